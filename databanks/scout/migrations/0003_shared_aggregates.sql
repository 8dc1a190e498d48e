-- databank scout: "shared retail intelligence", cross-tenant aggregates that are k-anonymous.
--
-- scout_transactions holds the rows of many retail clients (tenant_id = the client's tenant code), each of which
-- sees only its own rows (policy tenant_isolation, 0001). The views below aggregate over ALL tenants, so that a
-- client can compare itself with the market, yet never expose a figure that rests on fewer than k distinct
-- tenants.
--
-- DELIBERATE EXCEPTION TO THE ISOLATION RULES (allow-list exactly these, nothing else):
--   view shared_retail_region_category_month   (security_barrier, NOT security_invoker; granted to app and bi)
--   view shared_retail_brand_month             (security_barrier, NOT security_invoker; granted to app and bi)
--   view shared_retail_cells_internal          (security_barrier, NOT security_invoker; granted to NOBODY)
--   policy platform_operator_read on scout_transactions (FOR SELECT, TO the owner role only)
-- The two views run with their owner's rights (the owner role), not the caller's: that is how ipai_app / ipai_bi
-- can read an aggregate over every tenant. Nothing else here is readable by them: the helper view
-- shared_retail_cells_internal (one row per tenant and cell) is granted to nobody, and scout_shared_config is
-- the owner's alone. The helper cannot be security_invoker: a security_invoker view nested in an owner's-rights
-- view is still checked as the calling user (PostgreSQL 15), who must not read per-tenant rows.
-- No SECURITY DEFINER function is used.
--
-- Why the owner gets a read policy: FORCE ROW LEVEL SECURITY binds the owner role too, so without it a view
-- running as the owner would see no row. platform_operator_read lets the owner (the platform operator) READ every
-- row; it is FOR SELECT only, so the owner's INSERT/UPDATE/DELETE stay bound to the transaction's tenant
-- (tenant_isolation's USING / WITH CHECK), as elsewhere. It applies to no other role: ipai_app and ipai_bi still
-- see only their tenant's rows. (A superuser or BYPASSRLS owner, e.g. with POSTGRES_URL, sees everything anyway.)
--
-- How k-anonymity is enforced, and why at one grain:
--   * k lives in scout_shared_config.min_tenants (default 3, CHECK >= 3), a one-row table only the owner may
--     change: `UPDATE scout.scout_shared_config SET min_tenants = 5;`. Not a GUC: any session can SET a custom
--     GUC, so a tenant could lower k for itself. k = 2 is refused: one of two tenants subtracts its own figure
--     from the total and reads the other's exactly.
--   * Suppression happens once, at the finest grain any view exposes, the cell
--     (region, product_category, brand_name, local month): a cell is kept only when >= k distinct tenants have
--     rows in it, and every shared view is a sum of kept cells only. Suppressing per view instead would leak by
--     differencing (category total from the brand view minus the visible region cells = the hidden region cell,
--     i.e. one tenant's figures). Here anything derivable from the views by adding and subtracting is a sum of
--     kept cells, each of which mixes >= k tenants.
--   * security_barrier: a caller's WHERE clause with a non-leakproof function is evaluated after the view's own
--     filtering, so it cannot observe the rows of suppressed cells.
--   * The views expose counts and sums, no per-tenant breakdown, no minimum or maximum of single rows.
--   Known limit (documented, not solved): a cell where one tenant dominates (e.g. 95% of the value) still says
--   roughly that tenant's size; a dominance (p%) rule would be the next step.
--
-- Re-runnable (CREATE OR REPLACE / IF NOT EXISTS); the owner is the role running it.

CREATE TABLE IF NOT EXISTS scout_shared_config (
    id boolean PRIMARY KEY DEFAULT true,
    min_tenants integer NOT NULL DEFAULT 3,
    CONSTRAINT scout_shared_config_single_row CHECK (id),
    CONSTRAINT scout_shared_config_min_tenants_range CHECK (min_tenants >= 3)
);
INSERT INTO scout_shared_config (id) VALUES (true) ON CONFLICT (id) DO NOTHING;
REVOKE ALL ON scout_shared_config FROM PUBLIC;
COMMENT ON TABLE scout_shared_config IS 'Settings of the shared (cross-tenant) views: min_tenants = k of k-anonymity (>= 3). Owner only.';

DROP POLICY IF EXISTS platform_operator_read ON scout_transactions;
CREATE POLICY platform_operator_read ON scout_transactions FOR SELECT TO CURRENT_USER USING (true);

-- One row per (tenant, cell) for the cells that span at least k tenants. Internal: granted to nobody; the shared
-- views read it with their owner's rights.
CREATE OR REPLACE VIEW shared_retail_cells_internal WITH (security_barrier = true) AS
SELECT c.*
FROM (
    SELECT
        t.tenant_id,
        t.region,
        t.product_category,
        t.brand_name,
        date_trunc('month', t.timestamp AT TIME ZONE 'Asia/Manila')::date AS month,
        count(*) AS transaction_count,
        sum(t.units_per_transaction) AS total_units,
        sum(t.peso_value) AS total_peso_value,
        sum(t.basket_size) AS total_basket_size,
        count(*) FILTER (WHERE t.substitution_occurred) AS substitution_count,
        count(*) FILTER (WHERE t.campaign_influenced) AS campaign_influenced_count,
        count(*) OVER (PARTITION BY t.region, t.product_category, t.brand_name,
            date_trunc('month', t.timestamp AT TIME ZONE 'Asia/Manila')) AS cell_tenant_count
    FROM scout_transactions t
    GROUP BY t.tenant_id, t.region, t.product_category, t.brand_name, date_trunc('month', t.timestamp AT TIME ZONE 'Asia/Manila')
) c
WHERE c.cell_tenant_count >= (SELECT s.min_tenants FROM scout_shared_config s);
REVOKE ALL ON shared_retail_cells_internal FROM PUBLIC;

-- Market view by region, product category and local month.
CREATE OR REPLACE VIEW shared_retail_region_category_month WITH (security_barrier = true) AS
SELECT
    c.region,
    c.product_category,
    c.month,
    count(DISTINCT c.tenant_id) AS tenant_count,
    sum(c.transaction_count)::bigint AS transaction_count,
    sum(c.total_units)::bigint AS total_units,
    sum(c.total_peso_value) AS total_peso_value,
    round(sum(c.total_peso_value) / sum(c.transaction_count), 2) AS avg_peso_value,
    round(sum(c.total_basket_size)::numeric / sum(c.transaction_count), 2) AS avg_basket_size,
    round(sum(c.substitution_count)::numeric / sum(c.transaction_count), 4) AS substitution_rate,
    round(sum(c.campaign_influenced_count)::numeric / sum(c.transaction_count), 4) AS campaign_influenced_rate
FROM shared_retail_cells_internal c
GROUP BY c.region, c.product_category, c.month;

-- Market view by brand (with its category) and local month.
CREATE OR REPLACE VIEW shared_retail_brand_month WITH (security_barrier = true) AS
SELECT
    c.product_category,
    c.brand_name,
    c.month,
    count(DISTINCT c.tenant_id) AS tenant_count,
    sum(c.transaction_count)::bigint AS transaction_count,
    sum(c.total_units)::bigint AS total_units,
    sum(c.total_peso_value) AS total_peso_value,
    round(sum(c.total_peso_value) / sum(c.transaction_count), 2) AS avg_peso_value,
    round(sum(c.total_basket_size)::numeric / sum(c.transaction_count), 2) AS avg_basket_size,
    round(sum(c.substitution_count)::numeric / sum(c.transaction_count), 4) AS substitution_rate,
    round(sum(c.campaign_influenced_count)::numeric / sum(c.transaction_count), 4) AS campaign_influenced_rate
FROM shared_retail_cells_internal c
GROUP BY c.product_category, c.brand_name, c.month;

REVOKE ALL ON shared_retail_region_category_month, shared_retail_brand_month FROM PUBLIC;
GRANT SELECT ON shared_retail_region_category_month, shared_retail_brand_month TO ${app_role}, ${bi_role};

COMMENT ON VIEW shared_retail_cells_internal IS 'Internal: per tenant and cell (region, category, brand, month), only cells of >= k tenants. Granted to nobody.';
COMMENT ON VIEW shared_retail_region_category_month IS 'Shared retail intelligence (all tenants, k-anonymous): per region, category and month. Deliberately not security_invoker.';
COMMENT ON VIEW shared_retail_brand_month IS 'Shared retail intelligence (all tenants, k-anonymous): per brand and month. Deliberately not security_invoker.';
