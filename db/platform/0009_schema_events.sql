-- Schema-change events (`schema_changed`) and the webhooks they are delivered to.
--
-- An event is born in the same transaction as the change it reports, so that it can neither be lost nor sent for
-- a change that rolled back:
--   * a script applied to a tenant store commits with a row in that store's outbox, <schema>.ipai_migration_event,
--     next to its journal <schema>.ipai_migration (MigrationRunner); the relay (SchemaEventOutbox) moves those rows
--     here, one event per store and relay, exactly once (store_event_ids), then deletes them from the store;
--   * a tenant made active (provisioned or restored) or archived commits its state change with its event here.
-- ipai_schema_event_store lists the stores whose outbox may still hold rows (marked before a provisioning run
-- touches them, cleared once relayed): a run killed between a commit and its relay is relayed by the dispatcher.
-- The dispatcher (one per fleet, by advisory lock) refreshes the tenant's BI datasets and enqueues one delivery per
-- subscribed webhook; deliveries are retried with backoff, and each attempt is logged.

CREATE TABLE ipai_schema_event (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    event_type text NOT NULL DEFAULT 'schema_changed' CONSTRAINT ipai_schema_event_type_known CHECK (event_type = 'schema_changed'),
    change text NOT NULL CONSTRAINT ipai_schema_event_change_known
        CHECK (change IN ('scripts_applied', 'tenant_provisioned', 'tenant_restored', 'tenant_archived')),
    -- No foreign key: the history outlives a deleted tenant record.
    tenant_code text NOT NULL,
    -- The store the scripts ran in ('database': the tenant's database, schema public; 'schema': its schema of the
    -- data database); NULL for a lifecycle change, which concerns both.
    store text CONSTRAINT ipai_schema_event_store_known CHECK (store IN ('database', 'schema')),
    database text NOT NULL,
    schema text NOT NULL,
    -- 'scope/migration_id' of every script applied, in the order applied; the scopes (module:…, databank:…) they installed.
    scripts text[] NOT NULL DEFAULT '{}',
    scopes_installed text[] NOT NULL DEFAULT '{}',
    -- SHA-256 (hex) over the store's journal after the change: one line 'scope/migration_id checksum' per script,
    -- sorted bytewise, joined by newlines; for a lifecycle change, the fingerprint of this build's tenant scripts.
    checksum text,
    occurred_at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    -- The store outbox rows this event was relayed from (a relay repeated after a crash finds them here).
    store_event_ids uuid[] NOT NULL DEFAULT '{}',
    dispatched_at timestamp with time zone,
    -- What the dispatcher's BI refresh did for it (or why it could not).
    bi_refresh text,
    CONSTRAINT ipai_schema_event_store_scripts CHECK ((store IS NULL) = (change <> 'scripts_applied'))
);
CREATE INDEX ipai_schema_event_tenant_idx ON ipai_schema_event (tenant_code, id);
CREATE INDEX ipai_schema_event_undispatched_idx ON ipai_schema_event (id) WHERE dispatched_at IS NULL;
CREATE INDEX ipai_schema_event_store_events_idx ON ipai_schema_event USING gin (store_event_ids);
COMMENT ON TABLE ipai_schema_event IS 'schema_changed events (the outbox the dispatcher reads), written in the transaction of their change or relayed from a store outbox.';

-- A new event wakes the dispatcher at once (it also polls).
CREATE FUNCTION ipai_schema_event_notify() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('ipai_schema_event', NEW.id::text);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ipai_schema_event_notify() FROM PUBLIC;
CREATE TRIGGER ipai_schema_event_notify AFTER INSERT ON ipai_schema_event
    FOR EACH ROW EXECUTE FUNCTION ipai_schema_event_notify();

CREATE TABLE ipai_schema_event_store (
    tenant_code text NOT NULL,
    store text NOT NULL CONSTRAINT ipai_schema_event_store_store_known CHECK (store IN ('database', 'schema')),
    database text NOT NULL,
    schema text NOT NULL,
    marked_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_code, store)
);
COMMENT ON TABLE ipai_schema_event_store IS 'Tenant stores whose outbox (ipai_migration_event) may hold events not yet relayed.';

CREATE TABLE ipai_webhook (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url text NOT NULL CONSTRAINT ipai_webhook_url_format CHECK (
        length(url) <= 2000 AND url ~ '^https?://[^[:space:]/@]+(/[^[:space:]]*)?$' AND url !~ '[[:cntrl:]]'),
    events text[] NOT NULL CONSTRAINT ipai_webhook_events_known CHECK (cardinality(events) > 0 AND events <@ ARRAY['schema_changed']),
    -- Names of environment variables (or of files .ipai/secrets/webhook.NAME) holding the HMAC key and the bearer
    -- token; the values are never stored here.
    secret_env text NOT NULL CONSTRAINT ipai_webhook_secret_env_format CHECK (secret_env ~ '^[A-Z_][A-Z0-9_]{0,127}$'),
    token_env text CONSTRAINT ipai_webhook_token_env_format CHECK (token_env ~ '^[A-Z_][A-Z0-9_]{0,127}$'),
    state text NOT NULL DEFAULT 'active' CONSTRAINT ipai_webhook_state_known CHECK (state IN ('active', 'paused')),
    paused_reason text,
    -- Failed attempts in a row (any delivery) after which the webhook pauses itself.
    pause_after integer NOT NULL DEFAULT 10 CONSTRAINT ipai_webhook_pause_after_range CHECK (pause_after BETWEEN 1 AND 1000),
    consecutive_failures integer NOT NULL DEFAULT 0,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    changed_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_webhook_paused_reason CHECK ((state = 'paused') = (paused_reason IS NOT NULL))
);
COMMENT ON TABLE ipai_webhook IS 'Where schema_changed events are posted (GitHub repository_dispatch-compatible, HMAC-signed).';

CREATE TABLE ipai_webhook_delivery (
    -- The delivery id (header X-IPAI-Delivery): the same on every retry, so a receiver can drop a repeat.
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id bigint NOT NULL REFERENCES ipai_webhook (id) ON DELETE CASCADE,
    -- NULL for `webhook test`.
    event_id bigint REFERENCES ipai_schema_event (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    -- The exact bytes sent (and signed) on every attempt.
    body text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CONSTRAINT ipai_webhook_delivery_state_known CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamp with time zone NOT NULL DEFAULT now(),
    last_status integer,
    last_error text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    finished_at timestamp with time zone,
    CONSTRAINT ipai_webhook_delivery_once UNIQUE (webhook_id, event_id)
);
CREATE INDEX ipai_webhook_delivery_due_idx ON ipai_webhook_delivery (next_attempt_at) WHERE state = 'pending';
COMMENT ON TABLE ipai_webhook_delivery IS 'One event for one webhook: pending until an attempt succeeds or the attempts run out.';

CREATE TABLE ipai_webhook_attempt (
    delivery_id uuid NOT NULL REFERENCES ipai_webhook_delivery (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    started_at timestamp with time zone NOT NULL,
    duration_ms integer NOT NULL,
    -- The HTTP status, or NULL when none came back (error says why: DNS, refused, timeout, TLS…).
    status integer,
    error text,
    PRIMARY KEY (delivery_id, attempt)
);
COMMENT ON TABLE ipai_webhook_attempt IS 'The delivery log: every attempt, its status or error, and how long it took.';
