-- The tenant context every row-level security policy reads: the transaction setting app.tenant_id (set with
-- set_config('app.tenant_id', code, true), never a session-level SET), or, behind PostgREST/Supabase, the
-- tenant_id claim of request.jwt.claims. NULL when neither is set, and policies then match no row; malformed
-- claims raise an error (fail closed). Applied by the engine to the shared data database and every tenant database.
CREATE SCHEMA IF NOT EXISTS ipai;
REVOKE ALL ON SCHEMA ipai FROM PUBLIC;

CREATE OR REPLACE FUNCTION ipai.current_tenant_id() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
        nullif(current_setting('app.tenant_id', true), ''),
        nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant_id', ''))
$$;

REVOKE ALL ON FUNCTION ipai.current_tenant_id() FROM PUBLIC;
GRANT USAGE ON SCHEMA ipai TO ${app_role}, ${bi_role};
GRANT EXECUTE ON FUNCTION ipai.current_tenant_id() TO ${app_role}, ${bi_role};
COMMENT ON FUNCTION ipai.current_tenant_id() IS 'Tenant of the current transaction (app.tenant_id, else the tenant_id JWT claim); NULL when none.';
