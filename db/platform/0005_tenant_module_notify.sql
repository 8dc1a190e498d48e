-- A tenant's module list is part of what a web node routes on (which pages a tenant has): changes to
-- ipai_tenant_module are announced on the registry's channel too, with the tenant's code as payload. The one
-- notify function of 0004 now reads the code from the column its trigger names (default: code), so both tables'
-- triggers share it.
CREATE OR REPLACE FUNCTION ipai_tenant_notify_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    code_column text := coalesce(TG_ARGV[0], 'code');
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('ipai_tenant_changed', '');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('ipai_tenant_changed', to_jsonb(OLD) ->> code_column);
    ELSE
        PERFORM pg_notify('ipai_tenant_changed', to_jsonb(NEW) ->> code_column);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ipai_tenant_module_notify_change AFTER INSERT OR UPDATE OR DELETE ON ipai_tenant_module
    FOR EACH ROW EXECUTE FUNCTION ipai_tenant_notify_change('tenant_code');
CREATE TRIGGER ipai_tenant_module_notify_truncate AFTER TRUNCATE ON ipai_tenant_module
    FOR EACH STATEMENT EXECUTE FUNCTION ipai_tenant_notify_change();
