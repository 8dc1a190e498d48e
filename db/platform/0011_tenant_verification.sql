-- Each run of `tenant verify` (CLI or console): whether every gate passed, and each gate's outcome, evidence and time,
-- so that the console shows a tenant's last verification and an operator can see when it last held.
CREATE TABLE ipai_tenant_verification (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    verified_at timestamp with time zone NOT NULL DEFAULT now(),
    passed boolean NOT NULL,
    seconds numeric(10, 3) NOT NULL,
    -- The web host the HTTP gates went to.
    site text,
    -- [{"name", "outcome", "evidence", "ms"}], in the order the gates ran.
    gates jsonb NOT NULL CONSTRAINT ipai_tenant_verification_gates_array CHECK (jsonb_typeof(gates) = 'array')
);
CREATE INDEX ipai_tenant_verification_tenant_idx ON ipai_tenant_verification (tenant_code, verified_at DESC);
COMMENT ON TABLE ipai_tenant_verification IS 'Runs of the acceptance gates (tenant verify): outcome, evidence and time of each gate.';
