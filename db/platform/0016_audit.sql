-- The audit trail: one row per operator or admin action (a tenant created, updated, provisioned, suspended, moved,
-- archived, restored; a user created, a password set; a webhook added; a dashboard opened), whoever did it and however
-- it ended, refusals and failures included. Written by InsightPulse.Core.Audit.AuditLog as the runtime role
-- (${app_role}), which may only INSERT: it cannot read, change or delete a row. Read by the owner (`./ipai audit`).
-- Append-only for every role: the trigger below refuses UPDATE, DELETE and TRUNCATE, the owner's and a superuser's
-- too. It is no wall against those two, though: the owner (who owns the table) or a superuser could still drop or
-- disable the trigger or drop the table, and a superuser could skip triggers (session_replication_role = replica);
-- keeping the trail then rests on who holds those roles (the web host and the CLI never do either).
-- detail holds small facts about the action (ids, field names, a slug), never a secret: no password, token, cookie or
-- webhook secret (AuditLog drops any key that names one, and the tests grep the rows for every secret they know).
CREATE TABLE ipai_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    -- Who: cli:<os user>, web:<tenant>/<login> (a signed-in user), api:operator (the operator API's bearer token),
    -- bi-api:<tenant> (a tenant's BI service account on the Superset-shaped API).
    actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    -- The tenant acted on (no reference: the trail outlives a tenant's record); null when the action names none or
    -- named one that is not a tenant code.
    tenant_code text CHECK (length(tenant_code) BETWEEN 1 AND 63),
    -- One name per concept, the same in C# (AuditActions), the CLI's output and docs/security.md.
    action text NOT NULL CHECK (action IN (
        'tenant.created', 'tenant.updated', 'tenant.provisioned', 'tenant.repaired', 'tenant.module_installed',
        'tenant.suspended', 'tenant.resumed', 'tenant.moved', 'tenant.archived', 'tenant.restored',
        'user.created', 'user.password_set', 'user.disabled', 'user.enabled',
        'webhook.added', 'dashboard.accessed')),
    -- succeeded; refused (the platform's rules said no: invalid input, a conflict, a state that does not allow it, not
    -- found, not allowed); failed (it was tried and broke: a server error, a failed step).
    outcome text NOT NULL CHECK (outcome IN ('succeeded', 'refused', 'failed')),
    detail jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object' AND octet_length(detail::text) <= 4000)
);
-- `./ipai audit --tenant CODE`, newest first.
CREATE INDEX ipai_audit_tenant ON ipai_audit (tenant_code, id DESC);
REVOKE ALL ON ipai_audit FROM PUBLIC;
-- INSERT only: the identity's sequence needs no grant of its own, and no RETURNING (which would need SELECT).
GRANT INSERT ON ipai_audit TO ${app_role};
COMMENT ON TABLE ipai_audit IS 'audit trail of operator and admin actions: append-only (trigger), the runtime role may only insert, read by the owner.';

CREATE FUNCTION ipai_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'ipai_audit is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege', HINT = 'Audit rows are never changed or deleted, by any role.';
END
$$;
REVOKE ALL ON FUNCTION ipai_audit_append_only() FROM PUBLIC;
-- For each statement, so that a statement that would touch no row is refused as well.
CREATE TRIGGER ipai_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ipai_audit
    FOR EACH STATEMENT EXECUTE FUNCTION ipai_audit_append_only();
