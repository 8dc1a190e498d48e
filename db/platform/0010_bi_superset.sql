-- An external Apache Superset, in both directions.
--
-- As the BI service (our web host acting as a Superset for another platform): database connections
-- (Superset's "databases"), datasets over such a connection, and tags on dashboards, charts and datasets
-- (Superset has no folders: a workspace's objects are told apart by a tag such as workspace:<code>).
--
-- As a client (a tenant whose superset_base_url names an external Superset): the ids the external Superset gave
-- back for what provisioning made there, so the next run finds them again instead of creating them twice.

CREATE TABLE ipai_bi_database (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    tenant_code text NOT NULL REFERENCES ipai_bi_workspace (tenant_code) ON DELETE CASCADE,
    database_name text NOT NULL CONSTRAINT ipai_bi_database_name_format CHECK (length(btrim(database_name)) BETWEEN 1 AND 250),
    -- postgresql://user@host:port/database?options=… without its password (what GET shows, masked).
    host text NOT NULL,
    port integer NOT NULL CONSTRAINT ipai_bi_database_port_range CHECK (port BETWEEN 1 AND 65535),
    database text NOT NULL,
    username text NOT NULL,
    -- The password of that login: read by the owner only (no runtime role is granted this table), never returned by the API.
    password text NOT NULL,
    -- libpq's `options` (e.g. -c app.tenant_id=tbwa), so row-level security sees the tenant on every session.
    options text,
    ssl_mode text NOT NULL DEFAULT 'prefer' CONSTRAINT ipai_bi_database_ssl_mode_known CHECK (ssl_mode IN ('disable', 'prefer', 'require', 'verify-ca', 'verify-full')),
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    changed_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_bi_database_tenant_code_id_key UNIQUE (tenant_code, id),
    CONSTRAINT ipai_bi_database_tenant_code_name_key UNIQUE (tenant_code, database_name)
);

-- A dataset of store 'connection' is a relation reached over one of the workspace's connections.
ALTER TABLE ipai_bi_dataset
    ADD COLUMN database_id bigint,
    ADD COLUMN schema_name text CONSTRAINT ipai_bi_dataset_schema_name_format CHECK (schema_name ~ '^[a-z_][a-z0-9_]{0,62}$'),
    DROP CONSTRAINT ipai_bi_dataset_store_known,
    ADD CONSTRAINT ipai_bi_dataset_store_known CHECK (store IN ('schema', 'database', 'connection')),
    ADD CONSTRAINT ipai_bi_dataset_connection_complete CHECK ((store = 'connection') = (database_id IS NOT NULL AND schema_name IS NOT NULL)),
    ADD CONSTRAINT ipai_bi_dataset_database_fk FOREIGN KEY (tenant_code, database_id) REFERENCES ipai_bi_database (tenant_code, id);
CREATE UNIQUE INDEX ipai_bi_dataset_connection_relation_key ON ipai_bi_dataset (tenant_code, database_id, schema_name, relation) WHERE database_id IS NOT NULL;

CREATE TABLE ipai_bi_tagged_object (
    tenant_code text NOT NULL REFERENCES ipai_bi_workspace (tenant_code) ON DELETE CASCADE,
    tag text NOT NULL CONSTRAINT ipai_bi_tagged_object_tag_format CHECK (length(btrim(tag)) BETWEEN 1 AND 250),
    -- Superset's ObjectType: 2 chart, 3 dashboard, 4 dataset.
    object_type smallint NOT NULL CONSTRAINT ipai_bi_tagged_object_type_known CHECK (object_type IN (2, 3, 4)),
    object_id bigint NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_code, tag, object_type, object_id)
);

CREATE TABLE ipai_bi_external_object (
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    -- The Superset it lives in (the tenant's superset_base_url when it was made).
    base_url text NOT NULL,
    kind text NOT NULL CONSTRAINT ipai_bi_external_object_kind_known CHECK (kind IN ('database', 'dataset', 'dashboard', 'chart', 'embedded')),
    -- Our name for it: the connection's name, a relation, a dashboard slug, <slug>/<chart key>.
    name text NOT NULL,
    remote_id bigint,
    remote_uuid uuid,
    recorded_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_code, base_url, kind, name)
);

COMMENT ON TABLE ipai_bi_database IS 'A BI database connection (Superset''s database): a PostgreSQL login and database; its password is never returned.';
COMMENT ON TABLE ipai_bi_tagged_object IS 'Tags on BI objects (Superset''s tagged_object), e.g. workspace:<code>.';
COMMENT ON TABLE ipai_bi_external_object IS 'What provisioning made in a tenant''s external Superset, with the ids it got back.';

-- A dashboard made through the API keeps the Superset documents it was given (json_metadata, position_json): its
-- layout (tabs, chart widths, native filters) is read from them, and reading them back gives what was written, so a
-- client comparing the two sees nothing to change.
ALTER TABLE ipai_bi_workspace_dashboard ADD COLUMN json_metadata jsonb, ADD COLUMN position_json jsonb;
