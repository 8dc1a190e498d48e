-- databank tbwa: BIR expanded (creditable) withholding for an advertising agency: the alphanumeric tax codes
-- (ATC) it uses, seeded, and its withholding forms (2307 certificates to payees, 0619-E monthly and 1601-EQ
-- quarterly remittance returns, 1604-E annual information return) with their lines per ATC.
--
-- Runs in the tenant's schema of the shared data database, search_path and app.tenant_id set by the engine;
-- objects are created unqualified and seed rows take tenant_id from the column default. Every table carries
-- tenant_id under forced row-level security; foreign keys are composite and added by the DO block when missing
-- (a re-run restores them after a referenced table was dropped with CASCADE). Re-runnable: seed rows are
-- inserted only when missing (WHERE NOT EXISTS, so that a re-run does not even consume identity values, and
-- ON CONFLICT DO NOTHING against a concurrent writer); a rate an operator changed is left as it is.

-- Tables ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS bir_atc_code (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    atc_code text NOT NULL,
    description text NOT NULL,
    rate numeric(6,4) NOT NULL,
    applies_to text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT bir_atc_code_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT bir_atc_code_tenant_id_atc_code_key UNIQUE (tenant_id, atc_code),
    CONSTRAINT bir_atc_code_atc_code_format CHECK (atc_code ~ '^W[A-Z]\d{3}$'),
    CONSTRAINT bir_atc_code_description_format CHECK (length(btrim(description)) BETWEEN 1 AND 500),
    CONSTRAINT bir_atc_code_rate_range CHECK (rate >= 0 AND rate <= 0.35),
    CONSTRAINT bir_atc_code_applies_to_known CHECK (applies_to IN ('individual', 'corporate')),
    -- BIR's convention: WI.. codes are for payees who are individuals, WC.. for juridical persons.
    CONSTRAINT bir_atc_code_applies_to_prefix CHECK (
        (atc_code NOT LIKE 'WI%' OR applies_to = 'individual') AND (atc_code NOT LIKE 'WC%' OR applies_to = 'corporate'))
);

CREATE TABLE IF NOT EXISTS bir_form (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    form_type text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    payee_name text,
    payee_tin text,
    status text NOT NULL DEFAULT 'draft',
    total_income_payment numeric(14,2) NOT NULL DEFAULT 0,
    total_tax_withheld numeric(14,2) NOT NULL DEFAULT 0,
    filed_at timestamp with time zone,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT bir_form_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT bir_form_form_type_known CHECK (form_type IN ('2307', '1601-EQ', '0619-E', '1604-E')),
    CONSTRAINT bir_form_status_known CHECK (status IN ('draft', 'filed', 'amended')),
    -- Whole months: from the first day of a month to the last day of a month.
    CONSTRAINT bir_form_period_whole_months CHECK (
        extract(day FROM period_start) = 1 AND extract(day FROM period_end + 1) = 1 AND period_end >= period_start),
    -- 0619-E: one month; 1601-EQ: one calendar quarter; 2307: one to three months of one calendar quarter;
    -- 1604-E: one calendar year.
    CONSTRAINT bir_form_period_matches_form CHECK (
        CASE form_type
            WHEN '0619-E' THEN period_end = (period_start + interval '1 month')::date - 1
            WHEN '1601-EQ' THEN extract(month FROM period_start) IN (1, 4, 7, 10)
                AND period_end = (period_start + interval '3 months')::date - 1
            WHEN '2307' THEN extract(year FROM period_start) = extract(year FROM period_end)
                AND extract(quarter FROM period_start) = extract(quarter FROM period_end)
            WHEN '1604-E' THEN extract(month FROM period_start) = 1
                AND period_end = (period_start + interval '1 year')::date - 1
        END),
    -- A 2307 certifies the tax withheld from one payee; the returns are the withholding agent's own.
    CONSTRAINT bir_form_payee_required CHECK (form_type <> '2307' OR (payee_name IS NOT NULL AND payee_tin IS NOT NULL)),
    CONSTRAINT bir_form_payee_name_format CHECK (length(btrim(payee_name)) BETWEEN 1 AND 200),
    CONSTRAINT bir_form_payee_tin_format CHECK (payee_tin ~ '^\d{3}-\d{3}-\d{3}(-\d{3,5})?$'),
    CONSTRAINT bir_form_totals_range CHECK (
        total_income_payment >= 0 AND total_tax_withheld >= 0 AND total_tax_withheld <= total_income_payment),
    CONSTRAINT bir_form_filed_at_status CHECK ((status = 'draft') = (filed_at IS NULL))
);

CREATE TABLE IF NOT EXISTS bir_form_line (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id text NOT NULL DEFAULT ipai.current_tenant_id(),
    form_id bigint NOT NULL,
    atc_code text NOT NULL,
    income_payment numeric(14,2) NOT NULL,
    tax_withheld numeric(14,2) NOT NULL,
    CONSTRAINT bir_form_line_tenant_id_id_key UNIQUE (tenant_id, id),
    CONSTRAINT bir_form_line_amounts_range CHECK (
        income_payment >= 0 AND tax_withheld >= 0 AND tax_withheld <= income_payment)
);

-- Foreign keys (composite: same tenant only), added when missing. Lines go with their form; an ATC in use
-- cannot be deleted (deactivate it).

DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT * FROM (VALUES
            ('bir_form_line', 'bir_form_line_form_fk',
             'FOREIGN KEY (tenant_id, form_id) REFERENCES bir_form (tenant_id, id) ON DELETE CASCADE'),
            ('bir_form_line', 'bir_form_line_atc_code_fk',
             'FOREIGN KEY (tenant_id, atc_code) REFERENCES bir_atc_code (tenant_id, atc_code) ON UPDATE CASCADE')
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

-- Indexes --------------------------------------------------------------------------------------------------

CREATE INDEX IF NOT EXISTS bir_form_tenant_id_form_type_period_idx ON bir_form (tenant_id, form_type, period_start);
CREATE INDEX IF NOT EXISTS bir_form_tenant_id_payee_tin_idx ON bir_form (tenant_id, payee_tin, period_start) WHERE payee_tin IS NOT NULL;
CREATE INDEX IF NOT EXISTS bir_form_line_tenant_id_form_id_idx ON bir_form_line (tenant_id, form_id);
CREATE INDEX IF NOT EXISTS bir_form_line_tenant_id_atc_code_idx ON bir_form_line (tenant_id, atc_code);

-- Row-level security ---------------------------------------------------------------------------------------

ALTER TABLE bir_atc_code ENABLE ROW LEVEL SECURITY;
ALTER TABLE bir_atc_code FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON bir_atc_code;
CREATE POLICY tenant_isolation ON bir_atc_code
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE bir_form ENABLE ROW LEVEL SECURITY;
ALTER TABLE bir_form FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON bir_form;
CREATE POLICY tenant_isolation ON bir_form
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

ALTER TABLE bir_form_line ENABLE ROW LEVEL SECURITY;
ALTER TABLE bir_form_line FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON bir_form_line;
CREATE POLICY tenant_isolation ON bir_form_line
    USING (tenant_id = (SELECT ipai.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));

-- Seed: expanded-withholding ATCs an advertising agency uses --------------------------------------------------
-- From RR 2-98 (Sec. 2.57.2) as amended, notably by RR 11-2018 (TRAIN: 5%/10% for individuals around the
-- P3,000,000 gross-income threshold, 10%/15% for juridical persons around P720,000) and the top-withholding-agent
-- rules (1% goods, 2% services). RATES AND CODES MUST BE CHECKED AGAINST CURRENT BIR ISSUANCES (RRs, RMOs, RMCs,
-- the ATC list of BIR Form 1601-EQ) before filing; later changes are made in the table, not by editing this script.

INSERT INTO bir_atc_code (atc_code, description, rate, applies_to)
SELECT v.atc_code, v.description, v.rate, v.applies_to
FROM (VALUES
    ('WI010', 'Professional fees (lawyers, CPAs, engineers, etc.) paid to individuals, gross income for the current year not over P3,000,000', 0.0500, 'individual'),
    ('WI011', 'Professional fees (lawyers, CPAs, engineers, etc.) paid to individuals, gross income over P3,000,000 or VAT-registered', 0.1000, 'individual'),
    ('WC010', 'Professional fees paid to juridical persons, gross income for the current year not over P720,000', 0.1000, 'corporate'),
    ('WC011', 'Professional fees paid to juridical persons, gross income over P720,000', 0.1500, 'corporate'),
    ('WI080', 'Talent fees paid to other recipients (models, voice talents, etc.), individuals, gross income not over P3,000,000', 0.0500, 'individual'),
    ('WI081', 'Talent fees paid to other recipients (models, voice talents, etc.), individuals, gross income over P3,000,000 or VAT-registered', 0.1000, 'individual'),
    ('WI100', 'Rentals of real and personal property, poles, satellites, transmission facilities and billboards, paid to individuals', 0.0500, 'individual'),
    ('WC100', 'Rentals of real and personal property, poles, satellites, transmission facilities and billboards, paid to juridical persons', 0.0500, 'corporate'),
    ('WI120', 'Income payments to contractors and subcontractors (incl. advertising agencies exclusive of payments to media, printing, production), individuals', 0.0200, 'individual'),
    ('WC120', 'Income payments to contractors and subcontractors (incl. advertising agencies exclusive of payments to media, printing, production), juridical persons', 0.0200, 'corporate'),
    ('WI156', 'Income payments made by credit card companies (one half of 1% of the gross amount), individuals', 0.0050, 'individual'),
    ('WC156', 'Income payments made by credit card companies (one half of 1% of the gross amount), juridical persons', 0.0050, 'corporate'),
    ('WI158', 'Income payments by top withholding agents to local/resident suppliers of goods not covered by other rates, individuals', 0.0100, 'individual'),
    ('WC158', 'Income payments by top withholding agents to local/resident suppliers of goods not covered by other rates, juridical persons', 0.0100, 'corporate'),
    ('WI160', 'Income payments by top withholding agents to local/resident suppliers of services not covered by other rates, individuals', 0.0200, 'individual'),
    ('WC160', 'Income payments by top withholding agents to local/resident suppliers of services not covered by other rates, juridical persons', 0.0200, 'corporate')
) AS v (atc_code, description, rate, applies_to)
WHERE NOT EXISTS (SELECT 1 FROM bir_atc_code a WHERE a.atc_code = v.atc_code)
ON CONFLICT (tenant_id, atc_code) DO NOTHING;

-- Privileges -----------------------------------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON bir_atc_code, bir_form, bir_form_line TO ${app_role};
GRANT USAGE, SELECT ON SEQUENCE bir_atc_code_id_seq, bir_form_id_seq, bir_form_line_id_seq TO ${app_role};
GRANT SELECT ON bir_atc_code, bir_form, bir_form_line TO ${bi_role};

-- Comments -------------------------------------------------------------------------------------------------

COMMENT ON TABLE bir_atc_code IS 'A BIR alphanumeric tax code (ATC) of expanded withholding: nature of the income payment, rate, individual or corporate payee.';
COMMENT ON TABLE bir_form IS 'A BIR withholding form of the tenant (2307, 1601-EQ, 0619-E or 1604-E) for one period, with payee (2307), totals and filing status.';
COMMENT ON TABLE bir_form_line IS 'One ATC line of a BIR form: income payment and tax withheld under that code.';
COMMENT ON COLUMN bir_atc_code.rate IS 'Withholding rate as a fraction (0.02 = 2%); check against current BIR issuances.';
