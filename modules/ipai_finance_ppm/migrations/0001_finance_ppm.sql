-- ipai_finance_ppm: agency finance in Philippine pesos: agencies (BIR-registered), client projects with budgets,
-- monthly expense reports and their lines with BIR expanded (creditable) withholding tax, and a budget status
-- view per project.
--
-- Runs in the tenant's schema of the shared data database (target "schema"), search_path and app.tenant_id set
-- by the engine; objects are created unqualified. Every table carries tenant_id under forced row-level security;
-- foreign keys are composite (tenant_id, x_id) and are added by the DO block below when missing, so that a re-run
-- restores them after a referenced table was dropped with CASCADE. Re-runnable.
--
-- Withholding rule (ppm_expense_line): the tax base is the income payment net of VAT, as BIR withholding applies
-- to the amount exclusive of VAT (RR 2-98 as amended): base = gross_amount - vat_amount; withholding_amount =
-- round(base * withholding_rate, 2), rounded to the centavo half away from zero (PostgreSQL's numeric round);
-- net_amount (what the vendor is paid) = gross_amount - withholding_amount. The CHECK below enforces exactly
-- this, so the application computes withholding_amount the same way before writing.

-- Tables ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS ppm_agency (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    code text NOT NULL,
    name text NOT NULL,
    -- BIR Taxpayer Identification Number: 000-000-000, optionally with the branch code (-000 .. -00000).
    tin text NOT NULL,
    registered_address text,
    active boolean NOT NULL DEFAULT true,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ppm_agency_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT ppm_agency_tenant_id_code_key UNIQUE (tenant_id, code),
    CONSTRAINT ppm_agency_tenant_id_tin_key UNIQUE (tenant_id, tin),
    CONSTRAINT ppm_agency_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]*$' AND length(code) <= 32),
    CONSTRAINT ppm_agency_name_format CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT ppm_agency_tin_format CHECK (tin ~ '^\d{3}-\d{3}-\d{3}(-\d{3,5})?$')
);

CREATE TABLE IF NOT EXISTS ppm_project (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    agency_id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    client_name text,
    budget_amount numeric(14,2) NOT NULL DEFAULT 0,
    currency char(3) NOT NULL DEFAULT 'PHP',
    start_date date,
    end_date date,
    state text NOT NULL DEFAULT 'draft',
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ppm_project_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT ppm_project_tenant_id_code_key UNIQUE (tenant_id, code),
    CONSTRAINT ppm_project_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]*$' AND length(code) <= 64),
    CONSTRAINT ppm_project_name_format CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT ppm_project_budget_amount_range CHECK (budget_amount >= 0),
    CONSTRAINT ppm_project_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT ppm_project_dates_order CHECK (end_date >= start_date),
    CONSTRAINT ppm_project_state_known CHECK (state IN ('draft', 'active', 'closed'))
);

CREATE TABLE IF NOT EXISTS ppm_expense_report (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    project_id bigint NOT NULL,
    employee_name text NOT NULL,
    report_date date NOT NULL DEFAULT CURRENT_DATE,
    -- Accounting month of the report: its first day.
    period date NOT NULL,
    state text NOT NULL DEFAULT 'draft',
    notes text,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ppm_expense_report_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT ppm_expense_report_employee_name_format CHECK (length(btrim(employee_name)) BETWEEN 1 AND 200),
    CONSTRAINT ppm_expense_report_period_first_of_month CHECK (extract(day FROM period) = 1),
    CONSTRAINT ppm_expense_report_state_known CHECK (state IN ('draft', 'submitted', 'approved', 'paid', 'rejected'))
);

CREATE TABLE IF NOT EXISTS ppm_expense_line (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    report_id bigint NOT NULL,
    line_date date NOT NULL,
    description text NOT NULL,
    vendor_name text,
    vendor_tin text,
    category text NOT NULL DEFAULT 'other',
    gross_amount numeric(14,2) NOT NULL,
    vat_amount numeric(14,2) NOT NULL DEFAULT 0,
    -- BIR alphanumeric tax code of the expanded withholding (e.g. WC158, WI010); NULL: no withholding.
    atc_code text,
    withholding_rate numeric(6,4) NOT NULL DEFAULT 0,
    withholding_amount numeric(14,2) NOT NULL DEFAULT 0,
    net_amount numeric(14,2) GENERATED ALWAYS AS (gross_amount - withholding_amount) STORED,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ppm_expense_line_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT ppm_expense_line_description_format CHECK (length(btrim(description)) BETWEEN 1 AND 500),
    CONSTRAINT ppm_expense_line_vendor_tin_format CHECK (vendor_tin ~ '^\d{3}-\d{3}-\d{3}(-\d{3,5})?$'),
    CONSTRAINT ppm_expense_line_category_known CHECK (
        category IN ('travel', 'meals', 'supplies', 'professional_fees', 'rent', 'media', 'production', 'other')),
    CONSTRAINT ppm_expense_line_gross_amount_range CHECK (gross_amount > 0),
    CONSTRAINT ppm_expense_line_vat_amount_range CHECK (vat_amount >= 0 AND vat_amount <= gross_amount),
    CONSTRAINT ppm_expense_line_atc_code_format CHECK (atc_code ~ '^W[A-Z]\d{3}$'),
    CONSTRAINT ppm_expense_line_withholding_rate_range CHECK (withholding_rate >= 0 AND withholding_rate <= 0.35),
    -- Withholding needs its ATC (the line goes on the payee's BIR Form 2307 under that code).
    CONSTRAINT ppm_expense_line_withholding_needs_atc CHECK (withholding_rate = 0 OR atc_code IS NOT NULL),
    -- See the rule at the top of this script: on the amount net of VAT, rounded to the centavo.
    CONSTRAINT ppm_expense_line_withholding_amount_rule CHECK (
        withholding_amount = round((gross_amount - vat_amount) * withholding_rate, 2))
);

-- Foreign keys (composite: same tenant only), added when missing. Lines go with their report; projects and
-- reports with rows below them cannot be deleted.

DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT * FROM (VALUES
            ('ppm_project', 'ppm_project_agency_fk',
             'FOREIGN KEY (tenant_id, agency_id) REFERENCES ppm_agency (tenant_id, id)'),
            ('ppm_expense_report', 'ppm_expense_report_project_fk',
             'FOREIGN KEY (tenant_id, project_id) REFERENCES ppm_project (tenant_id, id)'),
            ('ppm_expense_line', 'ppm_expense_line_report_fk',
             'FOREIGN KEY (tenant_id, report_id) REFERENCES ppm_expense_report (tenant_id, id) ON DELETE CASCADE')
        ) AS v (table_name, constraint_name, definition)
    LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_constraint
            WHERE conrelid = pg_catalog.to_regclass(fk.table_name) AND conname = fk.constraint_name
        ) THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', fk.table_name, fk.constraint_name, fk.definition);
        END IF;
    END LOOP;
END
$$;

-- Indexes (foreign keys and usual filters, all leading with tenant_id) -------------------------------------

CREATE INDEX IF NOT EXISTS ppm_project_tenant_id_agency_id_idx ON ppm_project (tenant_id, agency_id);
CREATE INDEX IF NOT EXISTS ppm_expense_report_tenant_id_project_id_idx ON ppm_expense_report (tenant_id, project_id, period);
CREATE INDEX IF NOT EXISTS ppm_expense_report_tenant_id_period_idx ON ppm_expense_report (tenant_id, period, state);
CREATE INDEX IF NOT EXISTS ppm_expense_line_tenant_id_report_id_idx ON ppm_expense_line (tenant_id, report_id);
CREATE INDEX IF NOT EXISTS ppm_expense_line_tenant_id_atc_code_idx ON ppm_expense_line (tenant_id, atc_code, line_date) WHERE atc_code IS NOT NULL;

-- Row-level security ---------------------------------------------------------------------------------------

ALTER TABLE ppm_agency ENABLE ROW LEVEL SECURITY;
ALTER TABLE ppm_agency FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ppm_agency;
CREATE POLICY tenant_isolation ON ppm_agency
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE ppm_project ENABLE ROW LEVEL SECURITY;
ALTER TABLE ppm_project FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ppm_project;
CREATE POLICY tenant_isolation ON ppm_project
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE ppm_expense_report ENABLE ROW LEVEL SECURITY;
ALTER TABLE ppm_expense_report FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ppm_expense_report;
CREATE POLICY tenant_isolation ON ppm_expense_report
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE ppm_expense_line ENABLE ROW LEVEL SECURITY;
ALTER TABLE ppm_expense_line FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON ppm_expense_line;
CREATE POLICY tenant_isolation ON ppm_expense_line
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

-- Views (security_invoker: the caller's privileges and RLS apply) ------------------------------------------

-- Spent = lines of approved and paid reports; pending = lines of submitted reports; draft and rejected reports
-- do not count. Amounts are in the project's currency; percent_used is NULL for a zero budget.
CREATE OR REPLACE VIEW ppm_project_budget_status WITH (security_invoker = true) AS
SELECT
    p.tenant_id,
    p.id AS project_id,
    p.agency_id,
    p.code AS project_code,
    p.name AS project_name,
    p.client_name,
    p.state,
    p.currency,
    p.budget_amount,
    coalesce(s.total_gross, 0) AS total_gross_spent,
    coalesce(s.total_vat, 0) AS total_vat,
    coalesce(s.total_withholding, 0) AS total_withholding,
    coalesce(s.total_net, 0) AS total_net_payable,
    coalesce(s.total_gross_pending, 0) AS total_gross_pending,
    p.budget_amount - coalesce(s.total_gross, 0) AS remaining_budget,
    CASE WHEN p.budget_amount > 0 THEN round(100 * coalesce(s.total_gross, 0) / p.budget_amount, 2) END AS percent_used
FROM ppm_project p
LEFT JOIN (
    SELECT
        r.tenant_id,
        r.project_id,
        sum(l.gross_amount) FILTER (WHERE r.state IN ('approved', 'paid')) AS total_gross,
        sum(l.vat_amount) FILTER (WHERE r.state IN ('approved', 'paid')) AS total_vat,
        sum(l.withholding_amount) FILTER (WHERE r.state IN ('approved', 'paid')) AS total_withholding,
        sum(l.net_amount) FILTER (WHERE r.state IN ('approved', 'paid')) AS total_net,
        sum(l.gross_amount) FILTER (WHERE r.state = 'submitted') AS total_gross_pending
    FROM ppm_expense_report r
    JOIN ppm_expense_line l ON l.tenant_id = r.tenant_id AND l.report_id = r.id
    GROUP BY r.tenant_id, r.project_id
) s ON s.tenant_id = p.tenant_id AND s.project_id = p.id;

-- Privileges -----------------------------------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON ppm_agency, ppm_project, ppm_expense_report, ppm_expense_line TO ${app_role};
GRANT USAGE, SELECT ON SEQUENCE ppm_agency_id_seq, ppm_project_id_seq, ppm_expense_report_id_seq, ppm_expense_line_id_seq TO ${app_role};
GRANT SELECT ON ppm_project_budget_status TO ${app_role};
GRANT SELECT ON ppm_agency, ppm_project, ppm_expense_report, ppm_expense_line, ppm_project_budget_status TO ${bi_role};

-- Comments -------------------------------------------------------------------------------------------------

COMMENT ON TABLE ppm_agency IS 'An agency (BIR-registered entity, TIN with optional branch code) of the tenant.';
COMMENT ON TABLE ppm_project IS 'A client project of an agency, with its budget, currency (PHP by default), dates and state.';
COMMENT ON TABLE ppm_expense_report IS 'An employee''s expense report for one project and accounting month, with its approval state.';
COMMENT ON TABLE ppm_expense_line IS 'One expense of a report: vendor, category, gross and VAT amounts, BIR ATC and expanded withholding on the amount net of VAT.';
COMMENT ON VIEW ppm_project_budget_status IS 'Per project: budget, gross spent (approved and paid reports), VAT, withholding, pending, remaining budget, percent used.';
COMMENT ON COLUMN ppm_expense_line.withholding_amount IS 'round((gross_amount - vat_amount) * withholding_rate, 2): BIR expanded withholding on the amount net of VAT.';
COMMENT ON COLUMN ppm_expense_line.net_amount IS 'gross_amount - withholding_amount: what the vendor is paid.';
