-- A tenant's module list is part of what a web node routes on (which pages a tenant has): changes to
-- ipai_tenant_module are announced on the registry's channel too, with the tenant's code as payload.
CREATE FUNCTION ipai_tenant_module_notify_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('ipai_tenant_changed', '');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('ipai_tenant_changed', OLD.tenant_code);
    ELSE
        PERFORM pg_notify('ipai_tenant_changed', NEW.tenant_code);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ipai_tenant_module_notify_change() FROM PUBLIC;

CREATE TRIGGER ipai_tenant_module_notify_change AFTER INSERT OR UPDATE OR DELETE ON ipai_tenant_module
    FOR EACH ROW EXECUTE FUNCTION ipai_tenant_module_notify_change();
CREATE TRIGGER ipai_tenant_module_notify_truncate AFTER TRUNCATE ON ipai_tenant_module
    FOR EACH STATEMENT EXECUTE FUNCTION ipai_tenant_module_notify_change();
