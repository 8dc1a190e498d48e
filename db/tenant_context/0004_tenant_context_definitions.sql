-- What this build's tenant-context scripts made of the functions in schema ipai: the engine records each function's
-- definition (md5 of pg_get_functiondef) right after it applies these scripts, never over a record of the same
-- scripts. The isolation lint compares the live functions with it: a function replaced by hand (another
-- ipai.current_tenant_id() body) is an error, and a repair (`./ipai tenant repair CODE`) applies the scripts again.
CREATE TABLE IF NOT EXISTS ipai.tenant_context_definition (
    function text PRIMARY KEY,
    definition_md5 text NOT NULL,
    scripts text NOT NULL,
    recorded_at timestamp with time zone NOT NULL DEFAULT now()
);
REVOKE ALL ON ipai.tenant_context_definition FROM PUBLIC;
COMMENT ON TABLE ipai.tenant_context_definition IS 'Definitions of the ipai functions as this build''s tenant-context scripts made them (md5 of pg_get_functiondef), for the isolation lint.';
