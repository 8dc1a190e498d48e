-- Demo data per tenant, as Odoo ships it: `up` loads a deterministic demo data set into a tenant the first time it
-- finds the tenant active without a record here, and never again once there is one: after `demo remove` (state
-- 'removed') the operator's choice stands, and `demo load` is the only way back. The demo rows themselves live in
-- the tenant's stores, marked (codes and store ids starting DEMO-); this table says what was done and when.
CREATE TABLE ipai_tenant_demo (
    tenant_code text PRIMARY KEY REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    state text NOT NULL CONSTRAINT ipai_tenant_demo_state_known CHECK (state IN ('loaded', 'removed')),
    -- The last load: when, by which generator version (DemoData.GeneratorVersion), for which local day (the
    -- finance year ends with its month, the Scout transactions the day before it), and what it wrote.
    loaded_at timestamp with time zone,
    generator_version text,
    as_of date,
    summary text,
    removed_at timestamp with time zone,
    CONSTRAINT ipai_tenant_demo_loaded_complete CHECK (
        state <> 'loaded' OR (loaded_at IS NOT NULL AND generator_version IS NOT NULL AND as_of IS NOT NULL)),
    CONSTRAINT ipai_tenant_demo_removed_at_state CHECK ((state = 'removed') = (removed_at IS NOT NULL))
);
COMMENT ON TABLE ipai_tenant_demo IS 'Demo data per tenant: loaded (when, generator version, as of which day) or removed by the operator (up does not load it again).';
