namespace InsightPulse.IntegrationTests;

/// <summary>
/// One valid row for every tenant table the modules and databanks create (with the parent rows its foreign keys
/// need, inserted by the same statement), for tenant <c>@tenant</c>, unique by <c>@n</c> (100–999). A table with
/// tenant_id that has no recipe here fails the policy matrix: add one when a module adds a table.
/// </summary>
public static class TenantRows
{
    private const string Agency = "INSERT INTO ppm_agency (tenant_id, code, name, tin) VALUES (@tenant, 'A' || @n, 'Agency', lpad(@n::text, 3, '0') || '-000-000') RETURNING id";
    private const string Project = "INSERT INTO ppm_project (tenant_id, agency_id, code, name) SELECT @tenant, a.id, 'P' || @n, 'Project' FROM a RETURNING id";
    private const string Report = "INSERT INTO ppm_expense_report (tenant_id, project_id, employee_name, period) SELECT @tenant, p.id, 'Employee', date '2025-01-01' FROM p RETURNING id";
    private const string Group = "INSERT INTO res_groups (tenant_id, name) VALUES (@tenant, 'g' || @n) RETURNING id";
    private const string User = "INSERT INTO res_users (tenant_id, login, name) VALUES (@tenant, 'u' || @n, 'User') RETURNING id";
    private const string Dashboard = "INSERT INTO ipai_bi_dashboard (tenant_id, name, dashboard_id) VALUES (@tenant, 'Dashboard', 'd' || @n) RETURNING id";

    public static readonly IReadOnlyDictionary<string, string> Insert = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // ipai_tenant_core
        ["res_users"] = User,
        ["res_groups"] = Group,
        ["res_groups_users_rel"] = $"WITH g AS ({Group}), u AS ({User}) INSERT INTO res_groups_users_rel (tenant_id, group_id, user_id) SELECT @tenant, g.id, u.id FROM g, u",
        ["ir_config_parameter"] = "INSERT INTO ir_config_parameter (tenant_id, key, value) VALUES (@tenant, 'k' || @n, 'v')",
        ["ir_module_module"] = "INSERT INTO ir_module_module (tenant_id, name, version) VALUES (@tenant, 'm' || @n, '1.0')",
        // ipai_bi_superset_embed
        ["ipai_bi_dashboard"] = Dashboard,
        ["ipai_bi_dashboard_group_rel"] = $"WITH d AS ({Dashboard}), g AS ({Group}) INSERT INTO ipai_bi_dashboard_group_rel (tenant_id, dashboard_id, group_id) SELECT @tenant, d.id, g.id FROM d, g",
        ["ipai_bi_dashboard_access"] = $"WITH d AS ({Dashboard}), u AS ({User}) INSERT INTO ipai_bi_dashboard_access (tenant_id, dashboard_id, user_id) SELECT @tenant, d.id, u.id FROM d, u",
        // ipai_finance_ppm
        ["ppm_agency"] = Agency,
        ["ppm_project"] = $"WITH a AS ({Agency}) {Project}",
        ["ppm_expense_report"] = $"WITH a AS ({Agency}), p AS ({Project}) {Report}",
        ["ppm_expense_line"] = $"WITH a AS ({Agency}), p AS ({Project}), r AS ({Report}) INSERT INTO ppm_expense_line (tenant_id, report_id, line_date, description, gross_amount) SELECT @tenant, r.id, date '2025-01-15', 'Taxi', 100 FROM r",
        // databank tbwa
        ["bir_atc_code"] = "INSERT INTO bir_atc_code (tenant_id, atc_code, description, rate, applies_to) VALUES (@tenant, 'WX' || lpad(@n::text, 3, '0'), 'Test code', 0.01, 'corporate') RETURNING atc_code",
        ["bir_form"] = "INSERT INTO bir_form (tenant_id, form_type, period_start, period_end) VALUES (@tenant, '0619-E', date '2025-01-01', date '2025-01-31') RETURNING id",
        ["bir_form_line"] = "WITH f AS (INSERT INTO bir_form (tenant_id, form_type, period_start, period_end) VALUES (@tenant, '0619-E', date '2025-01-01', date '2025-01-31') RETURNING id), " +
            "c AS (INSERT INTO bir_atc_code (tenant_id, atc_code, description, rate, applies_to) VALUES (@tenant, 'WX' || lpad(@n::text, 3, '0'), 'Test code', 0.01, 'corporate') RETURNING atc_code) " +
            "INSERT INTO bir_form_line (tenant_id, form_id, atc_code, income_payment, tax_withheld) SELECT @tenant, f.id, c.atc_code, 100, 1 FROM f, c",
        // databank scout
        ["scout_transactions"] = "INSERT INTO scout_transactions (tenant_id, store_id, timestamp, time_of_day, region, province, city, store_type, product_category, brand_name, sku, units_per_transaction, peso_value, basket_size) " +
            "VALUES (@tenant, 'S' || @n, now(), 'morning', 'NCR', 'Metro Manila', 'Manila', 'sari_sari', 'Snacks', 'Brand', 'SKU' || @n, 1, 10, 1)",
    };

    private static int _next = 99;

    /// <summary>A fresh value for <c>@n</c>.</summary>
    public static int Next()
    {
        var n = Interlocked.Increment(ref _next);
        if (n > 999) throw new InvalidOperationException("TenantRows ran out of unique numbers (100-999).");
        return n;
    }
}
