-- databank scout: dimension and BI views over scout_transactions (the datasets of the "Scout Retail
-- Intelligence" dashboard). Every view is security_invoker, so the caller's privileges and row-level security
-- apply (a BI session sees its tenant's rows only), and every view exposes tenant_id for BI filters.
--
-- Local calendar: dates, hours and weekdays are those of Asia/Manila (the stores' time zone), independent of the
-- session's TimeZone setting. Rates are fractions (0.25 = 25%), NULL when nothing was observed. Re-runnable
-- (CREATE OR REPLACE VIEW; after scout_transactions was dropped with CASCADE, this script recreates them all).

-- Every transaction with its local calendar attributes: the base of the time-based views.
CREATE OR REPLACE VIEW bi_fact_transactions WITH (security_invoker = true) AS
SELECT
    t.tenant_id,
    t.id,
    t.store_id,
    t.timestamp,
    (t.timestamp AT TIME ZONE 'Asia/Manila') AS local_timestamp,
    (t.timestamp AT TIME ZONE 'Asia/Manila')::date AS transaction_date,
    extract(hour FROM t.timestamp AT TIME ZONE 'Asia/Manila')::integer AS hour_of_day,
    extract(isodow FROM t.timestamp AT TIME ZONE 'Asia/Manila')::integer AS day_of_week,
    t.time_of_day,
    t.region,
    t.province,
    t.city,
    t.barangay,
    t.store_type,
    t.economic_class,
    t.product_category,
    t.brand_name,
    t.sku,
    t.is_tbwa_client,
    t.gender,
    t.age_bracket,
    t.customer_type,
    t.request_mode,
    t.request_type,
    t.suggestion_accepted,
    t.payment_method,
    t.campaign_influenced,
    t.substitution_occurred,
    t.substitution_from,
    t.substitution_reason,
    t.units_per_transaction,
    t.peso_value,
    round(t.peso_value / t.units_per_transaction, 2) AS peso_value_per_unit,
    t.basket_size,
    t.duration_seconds,
    t.handshake_score,
    t.combo_basket
FROM scout_transactions t;

-- One row per store: its latest attributes (type, class, location) and activity span.
CREATE OR REPLACE VIEW dim_store WITH (security_invoker = true) AS
SELECT DISTINCT ON (t.tenant_id, t.store_id)
    t.tenant_id,
    t.store_id,
    t.store_type,
    t.economic_class,
    t.region,
    t.province,
    t.city,
    t.barangay,
    min(t.timestamp) OVER w AS first_transaction_at,
    max(t.timestamp) OVER w AS last_transaction_at,
    count(*) OVER w AS transaction_count
FROM scout_transactions t
WINDOW w AS (PARTITION BY t.tenant_id, t.store_id)
ORDER BY t.tenant_id, t.store_id, t.timestamp DESC, t.id DESC;

-- One row per SKU: its latest brand, category and client flag.
CREATE OR REPLACE VIEW dim_product WITH (security_invoker = true) AS
SELECT DISTINCT ON (t.tenant_id, t.sku)
    t.tenant_id,
    t.sku,
    t.brand_name,
    t.product_category,
    t.is_tbwa_client,
    min(t.timestamp) OVER w AS first_transaction_at,
    max(t.timestamp) OVER w AS last_transaction_at,
    count(*) OVER w AS transaction_count
FROM scout_transactions t
WINDOW w AS (PARTITION BY t.tenant_id, t.sku)
ORDER BY t.tenant_id, t.sku, t.timestamp DESC, t.id DESC;

-- One row per local date with transactions.
CREATE OR REPLACE VIEW dim_time WITH (security_invoker = true) AS
SELECT
    f.tenant_id,
    f.transaction_date AS date_key,
    extract(year FROM f.transaction_date)::integer AS year,
    extract(quarter FROM f.transaction_date)::integer AS quarter,
    extract(month FROM f.transaction_date)::integer AS month,
    to_char(f.transaction_date, 'FMMonth') AS month_name,
    extract(day FROM f.transaction_date)::integer AS day_of_month,
    extract(week FROM f.transaction_date)::integer AS iso_week,
    extract(isodow FROM f.transaction_date)::integer AS day_of_week,
    to_char(f.transaction_date, 'FMDay') AS day_name,
    extract(isodow FROM f.transaction_date) >= 6 AS is_weekend,
    count(*) AS transaction_count
FROM bi_fact_transactions f
GROUP BY f.tenant_id, f.transaction_date;

-- One row per place (region > province > city > barangay) with stores and activity.
CREATE OR REPLACE VIEW dim_geography WITH (security_invoker = true) AS
SELECT
    t.tenant_id,
    t.region,
    t.province,
    t.city,
    t.barangay,
    count(DISTINCT t.store_id) AS store_count,
    count(*) AS transaction_count,
    sum(t.peso_value) AS total_peso_value
FROM scout_transactions t
GROUP BY t.tenant_id, t.region, t.province, t.city, t.barangay;

-- Per local day: volume, value, basket and behaviour rates.
CREATE OR REPLACE VIEW bi_transaction_summary_daily WITH (security_invoker = true) AS
SELECT
    f.tenant_id,
    f.transaction_date,
    count(*) AS transaction_count,
    count(DISTINCT f.store_id) AS store_count,
    sum(f.units_per_transaction) AS total_units,
    sum(f.peso_value) AS total_peso_value,
    round(avg(f.peso_value), 2) AS avg_peso_value,
    round(avg(f.basket_size), 2) AS avg_basket_size,
    round(avg(f.duration_seconds), 1) AS avg_duration_seconds,
    round(avg(f.handshake_score), 3) AS avg_handshake_score,
    count(*) FILTER (WHERE f.is_tbwa_client) AS tbwa_client_transaction_count,
    coalesce(sum(f.peso_value) FILTER (WHERE f.is_tbwa_client), 0) AS tbwa_client_peso_value,
    round(avg(CASE WHEN f.suggestion_accepted THEN 1.0 WHEN NOT f.suggestion_accepted THEN 0.0 END), 4) AS suggestion_acceptance_rate,
    round(avg(CASE WHEN f.substitution_occurred THEN 1.0 ELSE 0.0 END), 4) AS substitution_rate,
    round(avg(CASE WHEN f.campaign_influenced THEN 1.0 ELSE 0.0 END), 4) AS campaign_influenced_rate
FROM bi_fact_transactions f
GROUP BY f.tenant_id, f.transaction_date;

-- Per SKU (with brand and category): volume, value, reach, share of its category's value.
CREATE OR REPLACE VIEW bi_product_performance WITH (security_invoker = true) AS
SELECT
    p.*,
    round(p.total_peso_value / nullif(sum(p.total_peso_value) OVER (PARTITION BY p.tenant_id, p.product_category), 0), 4)
        AS category_value_share
FROM (
    SELECT
        t.tenant_id,
        t.product_category,
        t.brand_name,
        t.sku,
        bool_or(t.is_tbwa_client) AS is_tbwa_client,
        count(*) AS transaction_count,
        count(DISTINCT t.store_id) AS store_count,
        sum(t.units_per_transaction) AS total_units,
        sum(t.peso_value) AS total_peso_value,
        round(avg(t.peso_value), 2) AS avg_peso_value,
        round(sum(t.peso_value) / sum(t.units_per_transaction), 2) AS avg_peso_value_per_unit,
        round(avg(CASE WHEN t.suggestion_accepted THEN 1.0 WHEN NOT t.suggestion_accepted THEN 0.0 END), 4) AS suggestion_acceptance_rate,
        round(avg(CASE WHEN t.campaign_influenced THEN 1.0 ELSE 0.0 END), 4) AS campaign_influenced_rate,
        count(*) FILTER (WHERE t.substitution_occurred) AS sold_as_substitute_count
    FROM scout_transactions t
    GROUP BY t.tenant_id, t.product_category, t.brand_name, t.sku
) p;

-- Per shopper segment (gender, age bracket, customer type, economic class).
CREATE OR REPLACE VIEW bi_customer_segments WITH (security_invoker = true) AS
SELECT
    t.tenant_id,
    t.gender,
    t.age_bracket,
    t.customer_type,
    t.economic_class,
    count(*) AS transaction_count,
    sum(t.peso_value) AS total_peso_value,
    round(avg(t.peso_value), 2) AS avg_peso_value,
    round(avg(t.basket_size), 2) AS avg_basket_size,
    round(avg(t.duration_seconds), 1) AS avg_duration_seconds,
    round(avg(CASE WHEN t.suggestion_accepted THEN 1.0 WHEN NOT t.suggestion_accepted THEN 0.0 END), 4) AS suggestion_acceptance_rate,
    round(avg(CASE WHEN t.campaign_influenced THEN 1.0 ELSE 0.0 END), 4) AS campaign_influenced_rate,
    round(avg(CASE WHEN t.is_tbwa_client THEN 1.0 ELSE 0.0 END), 4) AS tbwa_client_rate
FROM scout_transactions t
GROUP BY t.tenant_id, t.gender, t.age_bracket, t.customer_type, t.economic_class;

-- Per store: activity and value, with the store's latest attributes (dim_store).
CREATE OR REPLACE VIEW bi_store_performance WITH (security_invoker = true) AS
SELECT
    s.tenant_id,
    s.store_id,
    d.store_type,
    d.economic_class,
    d.region,
    d.province,
    d.city,
    d.barangay,
    s.transaction_count,
    s.total_units,
    s.total_peso_value,
    s.avg_peso_value,
    s.avg_basket_size,
    s.avg_duration_seconds,
    s.avg_handshake_score,
    s.tbwa_client_rate,
    s.substitution_rate,
    d.first_transaction_at,
    d.last_transaction_at
FROM (
    SELECT
        t.tenant_id,
        t.store_id,
        count(*) AS transaction_count,
        sum(t.units_per_transaction) AS total_units,
        sum(t.peso_value) AS total_peso_value,
        round(avg(t.peso_value), 2) AS avg_peso_value,
        round(avg(t.basket_size), 2) AS avg_basket_size,
        round(avg(t.duration_seconds), 1) AS avg_duration_seconds,
        round(avg(t.handshake_score), 3) AS avg_handshake_score,
        round(avg(CASE WHEN t.is_tbwa_client THEN 1.0 ELSE 0.0 END), 4) AS tbwa_client_rate,
        round(avg(CASE WHEN t.substitution_occurred THEN 1.0 ELSE 0.0 END), 4) AS substitution_rate
    FROM scout_transactions t
    GROUP BY t.tenant_id, t.store_id
) s
JOIN dim_store d ON d.tenant_id = s.tenant_id AND d.store_id = s.store_id;

-- Per brand within its category: value share and rank, and substitutions won (sold instead of another brand)
-- and lost (asked for, another brand sold: substitution_from, counted within the same category).
CREATE OR REPLACE VIEW bi_competitive_analysis WITH (security_invoker = true) AS
SELECT
    b.tenant_id,
    b.product_category,
    b.brand_name,
    b.is_tbwa_client,
    b.transaction_count,
    b.total_units,
    b.total_peso_value,
    round(b.total_peso_value / nullif(sum(b.total_peso_value) OVER (PARTITION BY b.tenant_id, b.product_category), 0), 4)
        AS category_value_share,
    rank() OVER (PARTITION BY b.tenant_id, b.product_category ORDER BY b.total_peso_value DESC) AS category_rank,
    b.substitutions_won,
    coalesce(l.substitutions_lost, 0) AS substitutions_lost,
    b.substitutions_won - coalesce(l.substitutions_lost, 0) AS net_substitutions
FROM (
    SELECT
        t.tenant_id,
        t.product_category,
        t.brand_name,
        bool_or(t.is_tbwa_client) AS is_tbwa_client,
        count(*) AS transaction_count,
        sum(t.units_per_transaction) AS total_units,
        sum(t.peso_value) AS total_peso_value,
        count(*) FILTER (WHERE t.substitution_occurred) AS substitutions_won
    FROM scout_transactions t
    GROUP BY t.tenant_id, t.product_category, t.brand_name
) b
LEFT JOIN (
    SELECT t.tenant_id, t.product_category, t.substitution_from AS brand_name, count(*) AS substitutions_lost
    FROM scout_transactions t
    WHERE t.substitution_occurred AND t.substitution_from IS NOT NULL
    GROUP BY t.tenant_id, t.product_category, t.substitution_from
) l ON l.tenant_id = b.tenant_id AND l.product_category = b.product_category AND l.brand_name = b.brand_name;

-- Per local weekday (ISO, 1 = Monday) and hour: traffic and value, with the hour's share of the tenant's traffic.
CREATE OR REPLACE VIEW bi_hourly_patterns WITH (security_invoker = true) AS
SELECT
    h.*,
    round(h.transaction_count::numeric / sum(h.transaction_count) OVER (PARTITION BY h.tenant_id), 4) AS transaction_share
FROM (
    SELECT
        f.tenant_id,
        f.day_of_week,
        f.hour_of_day,
        f.time_of_day,
        count(*) AS transaction_count,
        sum(f.peso_value) AS total_peso_value,
        round(avg(f.peso_value), 2) AS avg_peso_value,
        round(avg(f.basket_size), 2) AS avg_basket_size,
        round(avg(f.duration_seconds), 1) AS avg_duration_seconds
    FROM bi_fact_transactions f
    GROUP BY f.tenant_id, f.day_of_week, f.hour_of_day, f.time_of_day
) h;

-- Basket associations: a brand (with its category) and an item bought with it (combo_basket), with support
-- (share of the tenant's transactions) and confidence (share of the brand's transactions).
CREATE OR REPLACE VIEW bi_basket_analysis WITH (security_invoker = true) AS
SELECT
    p.tenant_id,
    p.product_category,
    p.brand_name,
    p.combo_item,
    p.transaction_count,
    p.avg_basket_size,
    p.avg_peso_value,
    round(p.transaction_count::numeric / tt.transaction_count, 4) AS support,
    round(p.transaction_count::numeric / bt.transaction_count, 4) AS confidence
FROM (
    SELECT
        t.tenant_id,
        t.product_category,
        t.brand_name,
        c.item AS combo_item,
        count(DISTINCT t.id) AS transaction_count,
        round(avg(t.basket_size), 2) AS avg_basket_size,
        round(avg(t.peso_value), 2) AS avg_peso_value
    FROM scout_transactions t
    CROSS JOIN LATERAL unnest(t.combo_basket) AS c (item)
    GROUP BY t.tenant_id, t.product_category, t.brand_name, c.item
) p
JOIN (
    SELECT t.tenant_id, count(*) AS transaction_count
    FROM scout_transactions t
    GROUP BY t.tenant_id
) tt ON tt.tenant_id = p.tenant_id
JOIN (
    SELECT t.tenant_id, t.product_category, t.brand_name, count(*) AS transaction_count
    FROM scout_transactions t
    GROUP BY t.tenant_id, t.product_category, t.brand_name
) bt ON bt.tenant_id = p.tenant_id AND bt.product_category = p.product_category AND bt.brand_name = p.brand_name;

GRANT SELECT ON dim_store, dim_product, dim_time, dim_geography, bi_fact_transactions, bi_transaction_summary_daily,
    bi_product_performance, bi_customer_segments, bi_store_performance, bi_competitive_analysis, bi_hourly_patterns,
    bi_basket_analysis TO ${app_role}, ${bi_role};

COMMENT ON VIEW bi_fact_transactions IS 'Every Scout transaction with its local (Asia/Manila) date, hour and ISO weekday.';
COMMENT ON VIEW dim_store IS 'One row per store: latest type, economic class and location; first and last transaction.';
COMMENT ON VIEW dim_product IS 'One row per SKU: latest brand, category and TBWA-client flag.';
COMMENT ON VIEW dim_time IS 'One row per local date with transactions: calendar attributes.';
COMMENT ON VIEW dim_geography IS 'One row per region, province, city and barangay: stores and activity.';
COMMENT ON VIEW bi_transaction_summary_daily IS 'Per local day: transactions, stores, units, value, basket and behaviour rates.';
COMMENT ON VIEW bi_product_performance IS 'Per SKU: transactions, reach, units, value and share of its category.';
COMMENT ON VIEW bi_customer_segments IS 'Per shopper segment (gender, age bracket, customer type, economic class): activity and behaviour.';
COMMENT ON VIEW bi_store_performance IS 'Per store: activity, value and behaviour, with the store''s latest attributes.';
COMMENT ON VIEW bi_competitive_analysis IS 'Per brand in its category: value share, rank, substitutions won and lost.';
COMMENT ON VIEW bi_hourly_patterns IS 'Per local weekday and hour: traffic, value and share of the tenant''s traffic.';
COMMENT ON VIEW bi_basket_analysis IS 'Brand and combo item pairs: co-occurrence, support and confidence.';
