-- ipai_finance_ppm: ppm_expense_analysis, one row per expense line with its report (month, state), project and
-- agency: the dataset of the "Agency finance" dashboard's withholding and spending charts (bi/templates).
-- security_invoker: the caller's privileges and row-level security apply, so a BI session sees its tenant's
-- lines only. Joins are on (tenant_id, id), as the composite foreign keys are. Re-runnable.

CREATE OR REPLACE VIEW ppm_expense_analysis WITH (security_invoker = true) AS
SELECT
    l.tenant_id,
    l.id AS line_id,
    r.id AS report_id,
    r.period,
    r.state AS report_state,
    r.employee_name,
    p.code AS project_code,
    p.name AS project_name,
    p.client_name,
    a.code AS agency_code,
    a.name AS agency_name,
    l.line_date,
    l.category,
    l.vendor_name,
    l.atc_code,
    l.withholding_rate,
    l.gross_amount,
    l.vat_amount,
    l.withholding_amount,
    l.net_amount
FROM ppm_expense_line l
JOIN ppm_expense_report r ON r.tenant_id = l.tenant_id AND r.id = l.report_id
JOIN ppm_project p ON p.tenant_id = r.tenant_id AND p.id = r.project_id
JOIN ppm_agency a ON a.tenant_id = p.tenant_id AND a.id = p.agency_id;

GRANT SELECT ON ppm_expense_analysis TO ${app_role};
GRANT SELECT ON ppm_expense_analysis TO ${bi_role};

COMMENT ON VIEW ppm_expense_analysis IS 'Per expense line: its report''s month and state, project, agency, category, vendor, ATC code and amounts (BI dataset).';
