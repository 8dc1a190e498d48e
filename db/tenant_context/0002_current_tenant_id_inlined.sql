-- ipai.current_tenant_id() again, with a SQL-standard body (RETURN …) instead of SET search_path: the names in the
-- body are bound when the function is created (here, with pg_catalog first), so the caller's search_path cannot
-- redirect them, and without a SET clause PostgreSQL inlines the function into each policy's
-- (SELECT ipai.current_tenant_id()) initplan. The 0001 version, a LANGUAGE sql function with SET search_path, was
-- planned again on every query and every table (~50–90 µs each under RLS; see docs/benchmarks.md, bench http).
-- Same result: app.tenant_id, else the tenant_id claim of request.jwt.claims, else NULL. Needs PostgreSQL 14+.
CREATE OR REPLACE FUNCTION ipai.current_tenant_id() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(
    nullif(current_setting('app.tenant_id', true), ''),
    nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant_id', ''));

COMMENT ON FUNCTION ipai.current_tenant_id() IS 'Tenant of the current transaction (app.tenant_id, else the tenant_id JWT claim); NULL when none. SQL-standard body: names bound at creation, inlined into policies.';
