-- ipai.current_tenant_id() reads app.tenant_id only. 0002 also fell back to the tenant_id claim of
-- request.jwt.claims: every query under RLS planned that branch (a jsonb cast and operator folded per policy), which
-- cost the tenant path about 5% of its throughput in `./ipai bench http` (docs/benchmarks.md). Behind
-- PostgREST/Supabase the claim now reaches app.tenant_id once per request through ipai.set_tenant_from_jwt(), to be
-- set as PostgREST's db-pre-request function. Still a SQL-standard body: names bound at creation, inlined into each
-- policy's (SELECT ipai.current_tenant_id()) initplan. '' (what app.tenant_id reads as after a transaction that set
-- it) is NULL, so a connection without a tenant matches no row and inserts none.
CREATE OR REPLACE FUNCTION ipai.current_tenant_id() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN nullif(current_setting('app.tenant_id', true), '');

COMMENT ON FUNCTION ipai.current_tenant_id() IS 'Tenant of the current transaction (app.tenant_id); NULL when none. SQL-standard body: names bound at creation, inlined into policies.';

-- PostgREST's db-pre-request hook: the tenant_id claim of the request's JWT becomes the transaction's app.tenant_id
-- (none or empty: no tenant, so no row). Malformed claims raise an error: the request fails closed.
CREATE OR REPLACE FUNCTION ipai.set_tenant_from_jwt() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM set_config('app.tenant_id',
        coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant_id', ''), true);
END
$$;

REVOKE ALL ON FUNCTION ipai.set_tenant_from_jwt() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ipai.set_tenant_from_jwt() TO ${app_role}, ${bi_role};
COMMENT ON FUNCTION ipai.set_tenant_from_jwt() IS 'PostgREST db-pre-request: sets app.tenant_id for the transaction from the tenant_id claim of request.jwt.claims.';
