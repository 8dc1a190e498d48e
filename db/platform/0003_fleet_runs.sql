-- `migrate --all`: a ledger per fleet run and per tenant, so that a second run resumes where the first stopped.
CREATE TABLE ipai_fleet_run (
    id uuid PRIMARY KEY,
    started_at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamp with time zone,
    outcome text CONSTRAINT ipai_fleet_run_outcome_known CHECK (outcome IN ('succeeded', 'failed')),
    keep_going boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE ipai_fleet_run IS 'One `migrate --all`; a run that did not succeed is resumed by the next one.';

CREATE TABLE ipai_fleet_run_tenant (
    run_id uuid NOT NULL REFERENCES ipai_fleet_run (id) ON DELETE CASCADE,
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    outcome text NOT NULL CONSTRAINT ipai_fleet_run_tenant_outcome_known CHECK (outcome IN ('succeeded', 'failed')),
    error text,
    finished_at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run_id, tenant_code)
);
