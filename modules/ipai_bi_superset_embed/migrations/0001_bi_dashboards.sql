-- ipai_bi_superset_embed: the tenant's registry of embedded BI (Superset) dashboards, which groups may see each
-- one, and the audit of every access (guest token issued).
--
-- Runs in the tenant's database, schema public, after ipai_tenant_core (res_users, res_groups). The parameters
-- superset.domain, superset.api_url and superset.workspace live in ir_config_parameter and are written per tenant
-- by the engine, not here. Same rules as ipai_tenant_core: tenant_id under forced RLS, composite foreign keys
-- (added by the DO block so that a re-run restores them after a referenced table was dropped with CASCADE),
-- re-runnable.

-- Tables ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS ipai_bi_dashboard (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    name text NOT NULL,
    dashboard_id text NOT NULL,
    description text,
    sequence integer NOT NULL DEFAULT 10,
    active boolean NOT NULL DEFAULT true,
    embed_uuid uuid,
    allowed_domains text[] NOT NULL DEFAULT '{}',
    rls_by_company boolean NOT NULL DEFAULT true,
    rls_by_user boolean NOT NULL DEFAULT false,
    rls_custom_clause text,
    hide_title boolean NOT NULL DEFAULT false,
    hide_filters boolean NOT NULL DEFAULT false,
    hide_chart_controls boolean NOT NULL DEFAULT false,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_bi_dashboard_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT ipai_bi_dashboard_tenant_id_dashboard_id_key UNIQUE (tenant_id, dashboard_id),
    CONSTRAINT ipai_bi_dashboard_tenant_id_embed_uuid_key UNIQUE (tenant_id, embed_uuid),
    CONSTRAINT ipai_bi_dashboard_name_format CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- Superset's dashboard id, slug or uuid.
    CONSTRAINT ipai_bi_dashboard_dashboard_id_format CHECK (dashboard_id ~ '^[A-Za-z0-9_-]+$' AND length(dashboard_id) <= 128),
    CONSTRAINT ipai_bi_dashboard_sequence_range CHECK (sequence >= 0),
    -- Origins an embedding page may be served from ([scheme://]host[:port]); empty: Superset checks none.
    -- Joined with ',' (never part of a host name) so that one regular expression checks every element; a NULL
    -- element becomes '' and fails.
    CONSTRAINT ipai_bi_dashboard_allowed_domains_format CHECK (
        cardinality(allowed_domains) = 0
        OR array_to_string(allowed_domains, ',', '')
            ~ '^(https?://)?[A-Za-z0-9.-]+(:[0-9]{1,5})?(,(https?://)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)*$'),
    -- One SQL condition (no ';'); the only placeholders are company_id, user_id and user_login, each written
    -- as a dollar sign followed by the name in braces (the pattern below names them with escapes).
    CONSTRAINT ipai_bi_dashboard_rls_custom_clause_format CHECK (
        rls_custom_clause IS NULL
        OR (length(btrim(rls_custom_clause)) BETWEEN 1 AND 4000
            AND position(';' IN rls_custom_clause) = 0
            AND rls_custom_clause !~ '\$\{(?!(company_id|user_id|user_login)\})'))
);

CREATE TABLE IF NOT EXISTS ipai_bi_dashboard_group_rel (
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    dashboard_id bigint NOT NULL,
    group_id bigint NOT NULL,
    CONSTRAINT ipai_bi_dashboard_group_rel_pkey PRIMARY KEY (tenant_id, dashboard_id, group_id)
);

CREATE TABLE IF NOT EXISTS ipai_bi_dashboard_access (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    dashboard_id bigint NOT NULL,
    user_id bigint NOT NULL,
    rls_applied text,
    client_address inet,
    accessed_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_bi_dashboard_access_tenant_id_id_key UNIQUE (tenant_id, id)
);

-- Foreign keys (composite: same tenant only), added when missing. Audit rows keep their dashboard and user:
-- deleting either is refused while it has audit rows (archive with active = false instead).

DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT * FROM (VALUES
            ('ipai_bi_dashboard_group_rel', 'ipai_bi_dashboard_group_rel_dashboard_fk',
             'FOREIGN KEY (tenant_id, dashboard_id) REFERENCES ipai_bi_dashboard (tenant_id, id) ON DELETE CASCADE'),
            ('ipai_bi_dashboard_group_rel', 'ipai_bi_dashboard_group_rel_group_fk',
             'FOREIGN KEY (tenant_id, group_id) REFERENCES res_groups (tenant_id, id) ON DELETE CASCADE'),
            ('ipai_bi_dashboard_access', 'ipai_bi_dashboard_access_dashboard_fk',
             'FOREIGN KEY (tenant_id, dashboard_id) REFERENCES ipai_bi_dashboard (tenant_id, id)'),
            ('ipai_bi_dashboard_access', 'ipai_bi_dashboard_access_user_fk',
             'FOREIGN KEY (tenant_id, user_id) REFERENCES res_users (tenant_id, id)')
        ) AS v (table_name, constraint_name, definition)
    LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_constraint
            WHERE conrelid = pg_catalog.to_regclass(fk.table_name) AND conname = fk.constraint_name
        ) THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', fk.table_name, fk.constraint_name, fk.definition);
        END IF;
    END LOOP;
END
$$;

-- Indexes --------------------------------------------------------------------------------------------------

CREATE INDEX IF NOT EXISTS ipai_bi_dashboard_tenant_id_sequence_idx ON ipai_bi_dashboard (tenant_id, sequence, name);
CREATE INDEX IF NOT EXISTS ipai_bi_dashboard_group_rel_tenant_id_group_id_idx ON ipai_bi_dashboard_group_rel (tenant_id, group_id);
CREATE INDEX IF NOT EXISTS ipai_bi_dashboard_access_tenant_id_dashboard_id_idx ON ipai_bi_dashboard_access (tenant_id, dashboard_id, accessed_at);
CREATE INDEX IF NOT EXISTS ipai_bi_dashboard_access_tenant_id_user_id_idx ON ipai_bi_dashboard_access (tenant_id, user_id, accessed_at);
CREATE INDEX IF NOT EXISTS ipai_bi_dashboard_access_tenant_id_accessed_at_idx ON ipai_bi_dashboard_access (tenant_id, accessed_at);

-- Row-level security ---------------------------------------------------------------------------------------

ALTER TABLE ipai_bi_dashboard ENABLE ROW LEVEL SECURITY;
ALTER TABLE ipai_bi_dashboard FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ipai_bi_dashboard;
CREATE POLICY tenant_isolation ON ipai_bi_dashboard
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE ipai_bi_dashboard_group_rel ENABLE ROW LEVEL SECURITY;
ALTER TABLE ipai_bi_dashboard_group_rel FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ipai_bi_dashboard_group_rel;
CREATE POLICY tenant_isolation ON ipai_bi_dashboard_group_rel
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE ipai_bi_dashboard_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE ipai_bi_dashboard_access FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ipai_bi_dashboard_access;
CREATE POLICY tenant_isolation ON ipai_bi_dashboard_access
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

-- Privileges -----------------------------------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON ipai_bi_dashboard, ipai_bi_dashboard_group_rel, ipai_bi_dashboard_access TO ${app_role};
GRANT USAGE, SELECT ON SEQUENCE ipai_bi_dashboard_id_seq, ipai_bi_dashboard_access_id_seq TO ${app_role};
GRANT SELECT ON ipai_bi_dashboard, ipai_bi_dashboard_group_rel, ipai_bi_dashboard_access TO ${bi_role};

-- Comments (E'' strings: \u0024 is a dollar sign, kept out of the raw text because the engine substitutes every
-- dollar-brace placeholder and refuses unknown ones) ------------------------------------------------------------

COMMENT ON TABLE ipai_bi_dashboard IS 'A BI (Superset) dashboard the tenant embeds: its BI id, embedding uuid and allowed domains, RLS rules and UI flags.';
COMMENT ON TABLE ipai_bi_dashboard_group_rel IS 'One user group of the tenant allowed to see one dashboard (no row: visible to every user of the tenant).';
COMMENT ON TABLE ipai_bi_dashboard_access IS 'Audit: one access of a user to a dashboard (guest token issued), with the RLS clause applied and the client address.';
COMMENT ON COLUMN ipai_bi_dashboard.dashboard_id IS 'Superset dashboard id, slug or uuid (POST /api/v1/security/guest_token/ resources[].id).';
COMMENT ON COLUMN ipai_bi_dashboard.embed_uuid IS 'Uuid of the embedded dashboard in Superset (its allowed_domains are checked against the Referer).';
COMMENT ON COLUMN ipai_bi_dashboard.rls_by_company IS 'Add an RLS clause restricting rows to the user''s company (default on).';
COMMENT ON COLUMN ipai_bi_dashboard.rls_by_user IS 'Add an RLS clause restricting rows to the user.';
COMMENT ON COLUMN ipai_bi_dashboard.rls_custom_clause IS E'Extra RLS clause; placeholders \u0024{company_id}, \u0024{user_id}, \u0024{user_login} are replaced per user.';
COMMENT ON COLUMN ipai_bi_dashboard_access.rls_applied IS 'RLS clause(s) sent with the guest token, placeholders replaced.';
