-- The BI service's metadata, one workspace per tenant (ipai_bi_workspace, 0002): datasets (a table or view of the
-- tenant's store, its columns read from the catalogue), charts (a structured spec over one dataset, never SQL) and
-- dashboards (tabs of charts, native filters, refresh interval), each with a stable id and uuid, as Superset keeps
-- its tables, slices and dashboards. Dashboard templates (bi/templates/*.json) are instantiated here by the
-- provisioning step bi_workspace; `template` names the template and `template_checksum` the version instantiated,
-- so that a changed template (or a row changed by hand) is repaired on the next run.
--
-- Named ipai_bi_workspace_dashboard, not ipai_bi_dashboard: the platform tenant's own database is this database,
-- and its module ipai_bi_superset_embed keeps there the tenant's registry of embedded dashboards under that name.
-- Every child row repeats tenant_code and references its parent by (tenant_code, id): a chart cannot name a
-- dataset of another workspace, whatever the application does.

ALTER TABLE ipai_bi_workspace ADD COLUMN uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;

CREATE TABLE ipai_bi_dataset (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    tenant_code text NOT NULL REFERENCES ipai_bi_workspace (tenant_code) ON DELETE CASCADE,
    -- The dataset's name in its workspace (the relation's name for template datasets).
    name text NOT NULL CONSTRAINT ipai_bi_dataset_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    -- Where the relation lives: 'schema' (the tenant's schema of the shared data database) or 'database' (the
    -- tenant's own database, schema public). Chart queries run there as the BI role, in the tenant's context.
    store text NOT NULL CONSTRAINT ipai_bi_dataset_store_known CHECK (store IN ('schema', 'database')),
    relation text NOT NULL CONSTRAINT ipai_bi_dataset_relation_format CHECK (relation ~ '^[a-z_][a-z0-9_]{0,62}$'),
    -- [{"name": …, "type": format_type(…)}], in column order, as the catalogue had them at the last refresh.
    columns jsonb NOT NULL CONSTRAINT ipai_bi_dataset_columns_array CHECK (jsonb_typeof(columns) = 'array'),
    template text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    changed_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_bi_dataset_tenant_code_id_key UNIQUE (tenant_code, id),
    CONSTRAINT ipai_bi_dataset_tenant_code_name_key UNIQUE (tenant_code, name)
);

CREATE TABLE ipai_bi_workspace_dashboard (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    tenant_code text NOT NULL REFERENCES ipai_bi_workspace (tenant_code) ON DELETE CASCADE,
    slug text NOT NULL CONSTRAINT ipai_bi_workspace_dashboard_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    title text NOT NULL CONSTRAINT ipai_bi_workspace_dashboard_title_format CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description text,
    -- {"tabs": [{"key", "title", "charts": [chart key…]}], "native_filters": [{"key", "label", "column", "kind", "dataset"}]}
    layout jsonb NOT NULL CONSTRAINT ipai_bi_workspace_dashboard_layout_object CHECK (jsonb_typeof(layout) = 'object'),
    refresh_seconds integer NOT NULL DEFAULT 300 CONSTRAINT ipai_bi_workspace_dashboard_refresh_range CHECK (refresh_seconds BETWEEN 10 AND 86400),
    -- The embedded configuration (Superset's embedded_dashboards): whether the dashboard may be embedded, its uuid
    -- and the origins that may embed it (empty: any). DELETE …/embedded turns it off and retires the uuid.
    embedded boolean NOT NULL DEFAULT true,
    embedded_uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    allowed_domains text[] NOT NULL DEFAULT '{}',
    template text,
    template_checksum text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    changed_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_bi_workspace_dashboard_tenant_code_id_key UNIQUE (tenant_code, id),
    -- Slugs are unique per workspace: two tenants may both have "agency-finance".
    CONSTRAINT ipai_bi_workspace_dashboard_tenant_code_slug_key UNIQUE (tenant_code, slug)
);

CREATE TABLE ipai_bi_chart (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    tenant_code text NOT NULL REFERENCES ipai_bi_workspace (tenant_code) ON DELETE CASCADE,
    dashboard_id bigint NOT NULL,
    dataset_id bigint NOT NULL,
    -- The chart's key in its dashboard's layout (stable across template versions).
    key text NOT NULL CONSTRAINT ipai_bi_chart_key_format CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    slice_name text NOT NULL CONSTRAINT ipai_bi_chart_slice_name_format CHECK (length(btrim(slice_name)) BETWEEN 1 AND 200),
    viz_type text NOT NULL CONSTRAINT ipai_bi_chart_viz_type_known CHECK (viz_type IN ('bar', 'line', 'area', 'pie', 'table', 'big_number')),
    -- The structured spec (ChartSpec): metrics, group-bys, time column and grain, filters, order, row limit.
    spec jsonb NOT NULL CONSTRAINT ipai_bi_chart_spec_object CHECK (jsonb_typeof(spec) = 'object'),
    -- Set when the spec names a column its dataset no longer has (shown as broken, healed when it returns).
    broken_reason text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    changed_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_bi_chart_tenant_code_id_key UNIQUE (tenant_code, id),
    CONSTRAINT ipai_bi_chart_dashboard_key_key UNIQUE (tenant_code, dashboard_id, key),
    CONSTRAINT ipai_bi_chart_dashboard_fk FOREIGN KEY (tenant_code, dashboard_id) REFERENCES ipai_bi_workspace_dashboard (tenant_code, id) ON DELETE CASCADE,
    CONSTRAINT ipai_bi_chart_dataset_fk FOREIGN KEY (tenant_code, dataset_id) REFERENCES ipai_bi_dataset (tenant_code, id)
);
CREATE INDEX ipai_bi_chart_dataset_idx ON ipai_bi_chart (tenant_code, dataset_id);

COMMENT ON TABLE ipai_bi_dataset IS 'A BI dataset: a table or view of a tenant''s store, with its columns from the catalogue.';
COMMENT ON TABLE ipai_bi_workspace_dashboard IS 'A BI dashboard of a tenant''s workspace: layout (tabs, native filters), refresh interval, embedded uuid and allowed domains.';
COMMENT ON TABLE ipai_bi_chart IS 'A BI chart: a structured spec over one dataset of the same workspace, placed on one dashboard.';
