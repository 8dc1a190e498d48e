-- Every change to the registry is announced on channel ipai_tenant_changed (payload: the tenant's code, empty for a
-- TRUNCATE), so that every web node's routing table (TenantRouteTable) reloads without a restart. NOTIFY is
-- delivered at commit, once per distinct payload per transaction.
CREATE FUNCTION ipai_tenant_notify_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('ipai_tenant_changed', '');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('ipai_tenant_changed', OLD.code);
    ELSE
        PERFORM pg_notify('ipai_tenant_changed', NEW.code);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ipai_tenant_notify_change() FROM PUBLIC;

CREATE TRIGGER ipai_tenant_notify_change AFTER INSERT OR UPDATE OR DELETE ON ipai_tenant
    FOR EACH ROW EXECUTE FUNCTION ipai_tenant_notify_change();
CREATE TRIGGER ipai_tenant_notify_truncate AFTER TRUNCATE ON ipai_tenant
    FOR EACH STATEMENT EXECUTE FUNCTION ipai_tenant_notify_change();
