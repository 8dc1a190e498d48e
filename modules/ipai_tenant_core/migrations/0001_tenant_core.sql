-- ipai_tenant_core: users, groups, configuration parameters and module records of a tenant's database (the Odoo
-- names res_users, res_groups, res_groups_users_rel, ir_config_parameter, ir_module_module).
--
-- Runs in the tenant's database, schema public, with search_path and app.tenant_id set by the engine; objects are
-- created unqualified. Every table carries tenant_id (default: the tenant of the transaction) under forced
-- row-level security, and every foreign key is composite (tenant_id, x_id) so a row never references another
-- tenant's row. Re-runnable: a second run changes nothing; after a table was dropped by hand (DROP ... CASCADE)
-- a re-run recreates exactly what is missing, including the foreign keys the CASCADE removed from other tables
-- (those are therefore added by the DO block below, not inside CREATE TABLE).

-- Tables ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS res_users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    login text NOT NULL,
    name text NOT NULL,
    email text,
    -- ASP.NET Identity PasswordHasher v3, base64: format marker 0x01 ("AQ"), PRF, iterations, salt, subkey.
    -- NULL: the user cannot log in with a password.
    password_hash text,
    active boolean NOT NULL DEFAULT true,
    is_admin boolean NOT NULL DEFAULT false,
    failed_login_count integer NOT NULL DEFAULT 0,
    locked_until timestamp with time zone,
    last_login timestamp with time zone,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT res_users_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT res_users_tenant_id_login_key UNIQUE (tenant_id, login),
    CONSTRAINT res_users_login_format CHECK (
        login = lower(login) AND login !~ '[[:space:]]' AND length(login) BETWEEN 1 AND 254),
    CONSTRAINT res_users_name_format CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT res_users_email_format CHECK (
        email IS NULL OR (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254)),
    CONSTRAINT res_users_password_hash_format CHECK (
        password_hash IS NULL
        OR (password_hash ~ '^AQAAAA[A-Za-z0-9+/]+={0,2}$' AND length(password_hash) % 4 = 0 AND length(password_hash) >= 60)),
    CONSTRAINT res_users_failed_login_count_range CHECK (failed_login_count >= 0)
);

CREATE TABLE IF NOT EXISTS res_groups (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    name text NOT NULL,
    CONSTRAINT res_groups_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT res_groups_tenant_id_name_key UNIQUE (tenant_id, name),
    CONSTRAINT res_groups_name_format CHECK (length(btrim(name)) BETWEEN 1 AND 200)
);

CREATE TABLE IF NOT EXISTS res_groups_users_rel (
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    group_id bigint NOT NULL,
    user_id bigint NOT NULL,
    CONSTRAINT res_groups_users_rel_pkey PRIMARY KEY (tenant_id, group_id, user_id)
);

CREATE TABLE IF NOT EXISTS ir_config_parameter (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    key text NOT NULL,
    value text NOT NULL,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ir_config_parameter_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT ir_config_parameter_tenant_id_key_key UNIQUE (tenant_id, key),
    CONSTRAINT ir_config_parameter_key_format CHECK (key ~ '^[[:graph:]]+$' AND length(key) <= 256)
);

CREATE TABLE IF NOT EXISTS ir_module_module (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    name text NOT NULL,
    version text NOT NULL,
    state text NOT NULL DEFAULT 'uninstalled',
    installed_at timestamp with time zone,
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ir_module_module_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT ir_module_module_tenant_id_name_key UNIQUE (tenant_id, name),
    CONSTRAINT ir_module_module_name_format CHECK (name ~ '^[a-z][a-z0-9_]*$' AND length(name) <= 128),
    CONSTRAINT ir_module_module_version_format CHECK (version ~ '^[0-9A-Za-z.+-]+$' AND length(version) <= 64),
    CONSTRAINT ir_module_module_state_known CHECK (state IN ('installed', 'to upgrade', 'uninstalled'))
);

-- Foreign keys (composite: same tenant only), added when missing -------------------------------------------

DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT * FROM (VALUES
            ('res_groups_users_rel', 'res_groups_users_rel_group_fk',
             'FOREIGN KEY (tenant_id, group_id) REFERENCES res_groups (tenant_id, id) ON DELETE CASCADE'),
            ('res_groups_users_rel', 'res_groups_users_rel_user_fk',
             'FOREIGN KEY (tenant_id, user_id) REFERENCES res_users (tenant_id, id) ON DELETE CASCADE')
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

-- Indexes (each table's unique keys already lead with tenant_id) -------------------------------------------

CREATE INDEX IF NOT EXISTS res_groups_users_rel_tenant_id_user_id_idx ON res_groups_users_rel (tenant_id, user_id);

-- Row-level security ---------------------------------------------------------------------------------------

ALTER TABLE res_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE res_users FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON res_users;
CREATE POLICY tenant_isolation ON res_users
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE res_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE res_groups FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON res_groups;
CREATE POLICY tenant_isolation ON res_groups
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE res_groups_users_rel ENABLE ROW LEVEL SECURITY;
ALTER TABLE res_groups_users_rel FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON res_groups_users_rel;
CREATE POLICY tenant_isolation ON res_groups_users_rel
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE ir_config_parameter ENABLE ROW LEVEL SECURITY;
ALTER TABLE ir_config_parameter FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ir_config_parameter;
CREATE POLICY tenant_isolation ON ir_config_parameter
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE ir_module_module ENABLE ROW LEVEL SECURITY;
ALTER TABLE ir_module_module FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ir_module_module;
CREATE POLICY tenant_isolation ON ir_module_module
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

-- Privileges: the runtime role reads and writes, the BI role reads; nothing to PUBLIC ----------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON res_users, res_groups, res_groups_users_rel, ir_config_parameter, ir_module_module TO ${app_role};
GRANT USAGE, SELECT ON SEQUENCE res_users_id_seq, res_groups_id_seq, ir_config_parameter_id_seq, ir_module_module_id_seq TO ${app_role};
GRANT SELECT ON res_users, res_groups, res_groups_users_rel, ir_config_parameter, ir_module_module TO ${bi_role};

-- Comments -------------------------------------------------------------------------------------------------

COMMENT ON TABLE res_users IS 'A user of the tenant: login (unique per tenant, lower case), password hash, lock-out state.';
COMMENT ON TABLE res_groups IS 'A user group of the tenant (access to menus, dashboards).';
COMMENT ON TABLE res_groups_users_rel IS 'Membership of one user in one group of the same tenant.';
COMMENT ON TABLE ir_config_parameter IS 'A configuration parameter of the tenant (key unique per tenant), e.g. superset.domain.';
COMMENT ON TABLE ir_module_module IS 'A module known to the tenant, with its installed version and state.';
COMMENT ON COLUMN res_users.password_hash IS 'ASP.NET Identity PasswordHasher v3 hash, base64; NULL: no password login.';
COMMENT ON COLUMN res_users.locked_until IS 'Logins are refused until this time (set after too many failed logins).';
