-- `tenant move`: one row per move of a tenant's database to another fleet server, its progress and what it measured.
-- The registry's ipai_tenant.server says where the tenant is served from; this journal says how far a move got, so
-- that a rerun after a crash finishes it, and where the old copy was kept (dropped by --purge).
CREATE TABLE ipai_tenant_move (
    id uuid PRIMARY KEY,
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    db_name text NOT NULL,
    from_server text NOT NULL REFERENCES ipai_server (name),
    to_server text NOT NULL REFERENCES ipai_server (name),
    started_at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    -- The runtime roles lost CONNECT on the source: from here until switched_at the tenant answers 503.
    frozen_at timestamp with time zone,
    -- The target database was created by this move (a rerun may drop it and copy again until switched_at).
    target_created_at timestamp with time zone,
    copied_at timestamp with time zone,
    verified_at timestamp with time zone,
    tables integer,
    row_count bigint,
    switched_at timestamp with time zone,
    -- The source database after the switch, renamed and closed to the runtime roles, until --purge.
    old_copy text,
    finished_at timestamp with time zone,
    purged_at timestamp with time zone,
    error text,
    CONSTRAINT ipai_tenant_move_elsewhere CHECK (from_server <> to_server)
);
CREATE UNIQUE INDEX ipai_tenant_move_one_open ON ipai_tenant_move (tenant_code) WHERE finished_at IS NULL;
REVOKE ALL ON ipai_tenant_move FROM PUBLIC;
COMMENT ON TABLE ipai_tenant_move IS 'tenant move: progress, measurements and the old copy kept until --purge.';
