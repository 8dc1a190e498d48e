-- The PostgreSQL servers of the fleet. Each tenant's own database lives on one of them (ipai_tenant.server); the
-- platform database and the shared data database stay on the home server, the one POSTGRES_URL (or the managed
-- cluster) names. `home` has no address here: it is wherever the platform's URL points, so a managed cluster that
-- moved to another port stays home. No password is kept: on every server the platform logs in as its own roles
-- (the owner and the runtime roles), with the same secrets as at home (`./ipai server add` creates them there).
CREATE TABLE ipai_server (
    name text PRIMARY KEY CONSTRAINT ipai_server_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,30}$'),
    host text CONSTRAINT ipai_server_host_format CHECK (host ~ '^[A-Za-z0-9._:-]{1,253}$'),
    port integer CONSTRAINT ipai_server_port_range CHECK (port BETWEEN 1 AND 65535),
    sslmode text NOT NULL DEFAULT 'prefer'
        CONSTRAINT ipai_server_sslmode_known CHECK (sslmode IN ('disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full')),
    -- The database the owner connects to for CREATE DATABASE and catalogue queries (postgres on most servers).
    maintenance_database text NOT NULL DEFAULT 'postgres' CONSTRAINT ipai_server_maintenance_format CHECK (maintenance_database ~ '^[a-z_][a-z0-9_]*$'),
    -- draining: no new tenant is placed here; the tenants on it stay until moved.
    state text NOT NULL DEFAULT 'active' CONSTRAINT ipai_server_state_known CHECK (state IN ('active', 'draining')),
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_server_home_has_no_address CHECK ((name = 'home') = (host IS NULL) AND (host IS NULL) = (port IS NULL)),
    CONSTRAINT ipai_server_address_unique UNIQUE (host, port)
);
INSERT INTO ipai_server (name) VALUES ('home');
REVOKE ALL ON ipai_server FROM PUBLIC;
COMMENT ON TABLE ipai_server IS 'PostgreSQL servers of the fleet (home: the platform''s own); each tenant database lives on one.';

-- Where a tenant's own database lives. A draft is placed when its first provisioning run starts (explicitly with
-- --server, or on the least loaded active server); every tenant provisioned before this script lives at home. A row
-- written by hand without a server (the seed's troubleshooting SQL) lives at home too.
ALTER TABLE ipai_tenant ADD COLUMN server text CONSTRAINT ipai_tenant_server_known REFERENCES ipai_server (name);
UPDATE ipai_tenant SET server = 'home' WHERE state <> 'draft';
CREATE INDEX ipai_tenant_server_idx ON ipai_tenant (server);

-- A store's outbox is read on the server its database lives on.
ALTER TABLE ipai_schema_event_store ADD COLUMN server text NOT NULL DEFAULT 'home';
