using System.Text.Json;
using Dapper;
using InsightPulse.Core.Bootstrap;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.B)]
public sealed class PlatformUpTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync() => _platform = await PlatformScope.CreateAsync(postgres);
    public async Task DisposeAsync() => await _platform.DisposeAsync();

    [Fact]
    public async Task Up_creates_the_platform_database_applies_the_migrations_and_registers_the_seed_tenants()
    {
        var steps = await _platform.UpAsync();

        Assert.Contains(steps, s => s is { Step: "platform database", Acted: true });
        Assert.Contains(steps, s => s is { Step: "migrations", Acted: true });
        Assert.Contains(steps, s => s.Step == "seed tenants" && s.Detail.Contains("platform, tbwa, scout", StringComparison.Ordinal));
        var codes = (await _platform.Registry.ListAsync(CancellationToken.None)).Select(t => t.Code);
        Assert.Equal(["platform", "scout", "tbwa"], codes); // sequence order 1, 5, 10
    }

    [Fact]
    public async Task A_second_up_changes_nothing()
    {
        await _platform.UpAsync();
        var before = await _platform.Registry.ListAsync(CancellationToken.None);

        var second = await _platform.UpAsync();

        Assert.All(second, step => Assert.False(step.Acted, $"{step.Step} acted: {step.Detail}"));
        Assert.Equal(before, await _platform.Registry.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_seed_tenants_carry_exactly_the_seed_values()
    {
        await _platform.UpAsync();

        var run = await _platform.CliAsync("tenant", "list", "--json");

        Assert.Equal(0, run.ExitCode);
        var tenants = run.Json().EnumerateArray().ToDictionary(t => t.GetProperty("code").GetString()!);
        Assert.Equal(3, tenants.Count);
        AssertSeed(tenants["platform"], "InsightPulse AI Platform", 1, "odoo_platform", "public", "erp.insightpulseai.com", "InsightPulse AI Inc.", "services", "2025-01-01");
        AssertSeed(tenants["tbwa"], "TBWA Philippines", 10, "odoo_tbwa", "tbwa", "tbwa.erp.insightpulseai.com", "TBWA\\Santiago Mangada Puno", "advertising", "2025-01-12");
        AssertSeed(tenants["scout"], "Scout Retail Intelligence", 5, "odoo_platform", "scout", "scout.insightpulseai.com", "Scout Retail Analytics", "retail", "2025-01-01");
    }

    private static void AssertSeed(JsonElement t, string name, int sequence, string db, string schema, string domain, string company, string industry, string onboarded)
    {
        Assert.Equal(name, t.GetProperty("name").GetString());
        Assert.Equal(sequence, t.GetProperty("sequence").GetInt32());
        Assert.Equal(db, t.GetProperty("db_name").GetString());
        Assert.Equal(schema, t.GetProperty("supabase_schema").GetString());
        Assert.Equal(domain, t.GetProperty("primary_domain").GetString());
        Assert.Equal(t.GetProperty("code").GetString(), t.GetProperty("superset_workspace").GetString());
        Assert.Equal(company, t.GetProperty("company_name").GetString());
        Assert.Equal(industry, t.GetProperty("industry").GetString());
        Assert.Equal("PH", t.GetProperty("country").GetString());
        Assert.Equal(onboarded, t.GetProperty("onboarded_date").GetString());
        Assert.Equal("draft", t.GetProperty("state").GetString());
        Assert.True(t.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Loading_the_seeds_again_keeps_an_operators_edit_and_does_not_bring_back_a_deleted_seed()
    {
        await _platform.UpAsync();
        await _platform.Registry.UpdateAsync("tbwa", t => t with { Name = "TBWA Manila", AdminEmail = "ops@tbwa.com.ph" }, CancellationToken.None);
        await using (var connection = await _platform.OpenPlatformAsync())
        {
            await connection.ExecuteAsync("DELETE FROM ipai_tenant WHERE code = 'scout'");
        }

        var loaded = await _platform.Get<TenantSeedLoader>().LoadAsync(CancellationToken.None);

        Assert.Empty(loaded);
        var tenants = await _platform.Registry.ListAsync(CancellationToken.None);
        Assert.Equal(["platform", "tbwa"], tenants.Select(t => t.Code));
        Assert.Equal("TBWA Manila", tenants.Single(t => t.Code == "tbwa").Name);
    }

    [Fact]
    public async Task Four_ups_at_once_produce_one_platform_with_three_tenants()
    {
        // Each run gets services of its own: another process, as far as the server can tell.
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var services = _platform.NewServices();
            return await services.GetRequiredService<PlatformBootstrapper>().UpAsync(null, CancellationToken.None);
        })));

        Assert.Single(runs, steps => steps.Any(s => s is { Step: "migrations", Acted: true }));
        Assert.Single(runs, steps => steps.Any(s => s is { Step: "seed tenants", Acted: true }));
        Assert.Equal(3, (await _platform.Registry.ListAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Up_and_status_never_print_the_password_of_POSTGRES_URL()
    {
        var up = await _platform.CliAsync("up", "--no-serve");
        var status = await _platform.CliAsync("status", "--json");

        Assert.Equal(0, up.ExitCode);
        Assert.Equal(0, status.ExitCode);
        var password = postgres.Admin.Password;
        Assert.DoesNotContain(password, up.Output + up.Error + status.Output + status.Error, StringComparison.Ordinal);
        Assert.Contains(":***@", up.Error, StringComparison.Ordinal);
        Assert.Equal("external", status.Json().GetProperty("mode").GetString());
        Assert.Equal(3, status.Json().GetProperty("tenant_count").GetInt32());
    }

    [Fact]
    public async Task Up_creates_runtime_and_bi_roles_that_cannot_bypass_row_level_security()
    {
        await _platform.UpAsync();

        await using var connection = await _platform.OpenPlatformAsync();
        var roles = (await connection.QueryAsync<(string Name, bool Super, bool Bypass, bool Login)>(
            "SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname IN ('ipai_app', 'ipai_bi') ORDER BY rolname")).ToList();
        Assert.Equal(["ipai_app", "ipai_bi"], roles.Select(r => r.Name));
        Assert.All(roles, r => Assert.True(r is { Super: false, Bypass: false, Login: true }, r.Name));
        var owned = await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname IN ('ipai_app', 'ipai_bi')");
        Assert.Equal(0, owned);
    }

    [Fact]
    public async Task Role_passwords_are_stored_as_scram_verifiers_and_the_secret_logs_in()
    {
        await _platform.UpAsync();
        var password = File.ReadAllText(Path.Combine(_platform.Home, "secrets", "ipai_app.password")).Trim();

        await using var connection = new Npgsql.NpgsqlConnection(postgres.Server.ConnectionString(PlatformScope.PlatformDatabase, new("ipai_app", password)));
        await connection.OpenAsync();

        Assert.Equal("ipai_app", await connection.ExecuteScalarAsync<string>("SELECT current_user"));
        await using var admin = await _platform.OpenPlatformAsync();
        var stored = await admin.ExecuteScalarAsync<string>("SELECT rolpassword FROM pg_authid WHERE rolname = 'ipai_app'");
        Assert.StartsWith("SCRAM-SHA-256$4096:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(password, stored!, StringComparison.Ordinal);
    }
}
