-- Provisioning: runs and their steps (the journal), what provisioning created (so a resumed run knows a
-- database or schema is its own), extra modules per tenant, and BI workspaces.

CREATE TABLE ipai_provision_run (
    id uuid PRIMARY KEY,
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    started_at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamp with time zone,
    outcome text CONSTRAINT ipai_provision_run_outcome_known CHECK (outcome IN ('succeeded', 'failed')),
    error text,
    host text,
    pid integer
);
CREATE INDEX ipai_provision_run_tenant_idx ON ipai_provision_run (tenant_code, started_at DESC);
COMMENT ON TABLE ipai_provision_run IS 'One run of `tenant provision`; outcome NULL while running or after a crash.';

CREATE TABLE ipai_provision_step (
    run_id uuid NOT NULL REFERENCES ipai_provision_run (id) ON DELETE CASCADE,
    position integer NOT NULL,
    step text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    outcome text CONSTRAINT ipai_provision_step_outcome_known CHECK (outcome IN ('acted', 'done', 'failed')),
    detail text,
    error text,
    PRIMARY KEY (run_id, position)
);
COMMENT ON TABLE ipai_provision_step IS 'One step of a run: acted (changed something), done (found it done) or failed.';

-- Written before provisioning creates a database or schema, so that a run resumed after a crash recognises it.
CREATE TABLE ipai_tenant_resource (
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    kind text NOT NULL CONSTRAINT ipai_tenant_resource_kind_known CHECK (kind IN ('database', 'schema')),
    name text NOT NULL,
    run_id uuid,
    adopted boolean NOT NULL DEFAULT false,
    recorded_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, name)
);
CREATE INDEX ipai_tenant_resource_tenant_idx ON ipai_tenant_resource (tenant_code);

-- Modules a tenant has beyond the base modules (`tenant install`, seed data).
CREATE TABLE ipai_tenant_module (
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    module text NOT NULL CONSTRAINT ipai_tenant_module_name_format CHECK (module ~ '^[a-z][a-z0-9_]*$'),
    requested_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_code, module)
);

-- A tenant's BI workspace (the BI issue adds dashboards to it).
CREATE TABLE ipai_bi_workspace (
    tenant_code text PRIMARY KEY REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    name text NOT NULL CONSTRAINT ipai_bi_workspace_name_format CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    created_at timestamp with time zone NOT NULL DEFAULT now()
);
