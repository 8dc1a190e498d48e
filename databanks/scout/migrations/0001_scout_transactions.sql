-- databank scout: the Scout retail fact table, one row per observed store transaction (sari-sari and other
-- small stores): store and location, product, shopper profile, how the product was requested, substitution,
-- basket, value and timing. The views over it are in 0002_scout_views.sql. No seed rows (a generator fills it).
--
-- Runs in the tenant's schema of the shared data database, search_path and app.tenant_id set by the engine;
-- objects are created unqualified. tenant_id under forced row-level security: this is the seed's "shared
-- analytics", isolated per tenant. Re-runnable.
--
-- The column "timestamp" keeps the reference's name: TIMESTAMP is a non-reserved key word in PostgreSQL (it
-- cannot be a function or type name, but can be a column name), so it works unquoted, e.g. t.timestamp.
-- Coded attributes are lower-case snake_case tokens (e.g. store_type 'sari_sari', payment_method 'gcash',
-- request_mode 'verbal' / 'pointing' / 'indirect'), checked for form; names (category, brand, places) are
-- free text, checked to be non-blank and trimmed.

CREATE TABLE IF NOT EXISTS scout_transactions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    store_id text NOT NULL,
    timestamp timestamp with time zone NOT NULL,
    time_of_day text NOT NULL,
    region text NOT NULL,
    province text NOT NULL,
    city text NOT NULL,
    barangay text,
    store_type text NOT NULL,
    economic_class text,
    product_category text NOT NULL,
    brand_name text NOT NULL,
    sku text NOT NULL,
    is_tbwa_client boolean NOT NULL DEFAULT false,
    gender text,
    age_bracket text,
    customer_type text,
    request_mode text,
    request_type text,
    suggestion_accepted boolean,
    payment_method text,
    campaign_influenced boolean NOT NULL DEFAULT false,
    substitution_occurred boolean NOT NULL DEFAULT false,
    substitution_from text,
    substitution_reason text,
    units_per_transaction integer NOT NULL,
    peso_value numeric(12,2) NOT NULL,
    basket_size integer NOT NULL,
    duration_seconds integer,
    handshake_score numeric(4,3),
    combo_basket text[] NOT NULL DEFAULT '{}',
    CONSTRAINT scout_transactions_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT scout_transactions_store_id_format CHECK (store_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]*$' AND length(store_id) <= 64),
    CONSTRAINT scout_transactions_time_of_day_known CHECK (time_of_day IN ('morning', 'afternoon', 'evening', 'night')),
    CONSTRAINT scout_transactions_location_format CHECK (
        length(region) BETWEEN 1 AND 100 AND region = btrim(region)
        AND length(province) BETWEEN 1 AND 100 AND province = btrim(province)
        AND length(city) BETWEEN 1 AND 100 AND city = btrim(city)
        AND (barangay IS NULL OR (length(barangay) BETWEEN 1 AND 100 AND barangay = btrim(barangay)))),
    -- Philippine socio-economic classes.
    CONSTRAINT scout_transactions_economic_class_known CHECK (economic_class IN ('A', 'B', 'C', 'D', 'E')),
    CONSTRAINT scout_transactions_product_format CHECK (
        length(product_category) BETWEEN 1 AND 100 AND product_category = btrim(product_category)
        AND length(brand_name) BETWEEN 1 AND 100 AND brand_name = btrim(brand_name)
        AND length(sku) BETWEEN 1 AND 128 AND sku = btrim(sku)),
    CONSTRAINT scout_transactions_gender_known CHECK (gender IN ('male', 'female', 'other', 'unknown')),
    -- '18-24', '25-34', ..., '65+'.
    CONSTRAINT scout_transactions_age_bracket_format CHECK (age_bracket ~ '^(\d{1,2}-\d{1,3}|\d{1,2}\+)$'),
    -- Codes of at most 40 characters. The length is checked apart: a bounded repetition such as {0,39} makes
    -- PostgreSQL's regex engine about ten times slower per row, which bulk loads feel.
    CONSTRAINT scout_transactions_codes_format CHECK (
        store_type ~ '^[a-z][a-z0-9_]*$' AND length(store_type) <= 40
        AND (customer_type IS NULL OR (customer_type ~ '^[a-z][a-z0-9_]*$' AND length(customer_type) <= 40))
        AND (request_mode IS NULL OR (request_mode ~ '^[a-z][a-z0-9_]*$' AND length(request_mode) <= 40))
        AND (request_type IS NULL OR (request_type ~ '^[a-z][a-z0-9_]*$' AND length(request_type) <= 40))
        AND (payment_method IS NULL OR (payment_method ~ '^[a-z][a-z0-9_]*$' AND length(payment_method) <= 40))
        AND (substitution_reason IS NULL OR (substitution_reason ~ '^[a-z][a-z0-9_]*$' AND length(substitution_reason) <= 40))),
    -- The substitution event: "from" (the brand asked for) and the reason only when a substitution occurred.
    CONSTRAINT scout_transactions_substitution_consistent CHECK (
        substitution_occurred OR (substitution_from IS NULL AND substitution_reason IS NULL)),
    CONSTRAINT scout_transactions_substitution_from_format CHECK (
        length(substitution_from) BETWEEN 1 AND 100 AND substitution_from = btrim(substitution_from)),
    CONSTRAINT scout_transactions_units_range CHECK (units_per_transaction >= 1),
    CONSTRAINT scout_transactions_peso_value_range CHECK (peso_value >= 0),
    CONSTRAINT scout_transactions_basket_size_range CHECK (basket_size >= 1),
    CONSTRAINT scout_transactions_duration_range CHECK (duration_seconds >= 0 AND duration_seconds <= 86400),
    CONSTRAINT scout_transactions_handshake_score_range CHECK (handshake_score >= 0 AND handshake_score <= 1),
    CONSTRAINT scout_transactions_combo_basket_format CHECK (
        array_position(combo_basket, NULL) IS NULL AND NOT ('' = ANY (combo_basket)) AND cardinality(combo_basket) <= 100)
);

-- Indexes for the usual BI filters (the unique key (tenant_id, id) is the tenant's other index).
CREATE INDEX IF NOT EXISTS scout_transactions_tenant_id_timestamp_idx ON scout_transactions (tenant_id, timestamp);
CREATE INDEX IF NOT EXISTS scout_transactions_tenant_id_store_id_idx ON scout_transactions (tenant_id, store_id, timestamp);
CREATE INDEX IF NOT EXISTS scout_transactions_tenant_id_brand_name_idx ON scout_transactions (tenant_id, brand_name, timestamp);
CREATE INDEX IF NOT EXISTS scout_transactions_tenant_id_product_category_idx ON scout_transactions (tenant_id, product_category, brand_name);

ALTER TABLE scout_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE scout_transactions FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON scout_transactions;
CREATE POLICY tenant_isolation ON scout_transactions
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON scout_transactions TO ${app_role};
GRANT USAGE, SELECT ON SEQUENCE scout_transactions_id_seq TO ${app_role};
GRANT SELECT ON scout_transactions TO ${bi_role};

COMMENT ON TABLE scout_transactions IS 'One observed retail store transaction: store, location, product, shopper, request, substitution, basket, value, timing.';
COMMENT ON COLUMN scout_transactions.timestamp IS 'When the transaction happened (the views derive local dates and hours in Asia/Manila).';
COMMENT ON COLUMN scout_transactions.substitution_from IS 'Brand the shopper asked for when another was sold instead (substitution_occurred).';
COMMENT ON COLUMN scout_transactions.handshake_score IS 'Quality of the store-keeper/shopper interaction, 0 to 1.';
COMMENT ON COLUMN scout_transactions.combo_basket IS 'Other items bought in the same basket.';
