using System.Text.Json;
using Dapper;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// The audit trail (<c>ipai_audit</c>): the CLI's actions write their rows (successes, refusals, failures) as the
/// command line's user; the runtime role may only insert; no role, the owner and a superuser included, may change,
/// delete or empty it; <c>./ipai audit</c> reads it; a row that cannot be written leaves the action's outcome alone.
/// </summary>
[Collection(Lanes.B)]
public sealed class AuditTrailTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly string Cli = AuditActor.CommandLine.Name;
    private PlatformScope _platform = null!;
    private readonly string _archives = PostgresFixture.NewTempFolder("ipai-test-audit-archives");

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        var up = await _platform.CliAsync("up", "--no-serve", "--no-provision", "--without-demo");
        Assert.True(up.ExitCode == 0, up.ToString());
    }

    public async Task DisposeAsync()
    {
        await _platform.DisposeAsync();
        Directory.Delete(_archives, recursive: true);
    }

    private async Task<CliRun> RunAsync(params string[] args)
    {
        var run = await _platform.CliAsync(args);
        Assert.DoesNotContain("audit trail did not record", run.Error, StringComparison.Ordinal);
        return run;
    }

    /// <summary><c>./ipai audit --json</c> (with <paramref name="args"/>), newest first.</summary>
    private async Task<List<JsonElement>> AuditAsync(params string[] args)
    {
        var run = await _platform.CliAsync(["audit", "--json", .. args]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return [.. run.Json().EnumerateArray()];
    }

    private static string Text(JsonElement row, string key) => row.GetProperty(key).GetString()!;

    private static (string Action, string Outcome) Summary(JsonElement row) => (Text(row, "action"), Text(row, "outcome"));

    private NpgsqlConnection RuntimeRole()
    {
        var password = _platform.Get<ManagedCluster>().Secrets.ReadRequired(PlatformEnvironment.RoleSecret("ipai_app"));
        return new NpgsqlConnection(postgres.Server.ConnectionString(PlatformScope.PlatformDatabase, new PostgresLogin("ipai_app", password), "ipai-tests"));
    }

    [Fact]
    public async Task Up_records_the_seed_tenants_it_registers_as_created_by_the_command_line()
    {
        var rows = (await AuditAsync()).Where(r => Text(r, "action") == AuditActions.TenantCreated).ToList();

        Assert.Equal(["platform", "scout", "tbwa"], rows.Select(r => Text(r, "tenant_code")).Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Equal(Cli, Text(r, "actor"));
            Assert.Equal("succeeded", Text(r, "outcome"));
            Assert.Equal("up", Text(r.GetProperty("detail"), "by"));
        });
    }

    [Fact]
    public async Task Registry_commands_record_what_they_did_and_what_was_refused_newest_first()
    {
        Assert.Equal(0, (await RunAsync("tenant", "create", "audit_reg", "--name", "Audit Registry")).ExitCode);
        Assert.Equal(1, (await RunAsync("tenant", "create", "tbwa", "--name", "Another TBWA", "--domain", "x.example.com")).ExitCode);
        // Not a tenant code: the command line refuses it before any action starts (exit 2), so no row; a field the
        // registry refuses is an action refused (exit 2 as well), with a row naming the field.
        Assert.Equal(2, (await RunAsync("tenant", "create", "Audit-Bad", "--name", "Bad")).ExitCode);
        Assert.Equal(2, (await RunAsync("tenant", "create", "audit_bad", "--name", "Bad", "--admin-email", "not an address")).ExitCode);
        Assert.Equal(0, (await RunAsync("tenant", "update", "audit_reg", "--notes", "first customer", "--admin-email", "a@audit.example.com")).ExitCode);
        Assert.Equal(1, (await RunAsync("tenant", "suspend", "audit_reg")).ExitCode); // a draft cannot be suspended
        Assert.Equal(1, (await RunAsync("tenant", "update", "audit_nosuch", "--notes", "x")).ExitCode);

        var rows = await AuditAsync("--limit", "6");

        Assert.Equal(
        [
            (AuditActions.TenantUpdated, "refused"), (AuditActions.TenantSuspended, "refused"), (AuditActions.TenantUpdated, "succeeded"),
            (AuditActions.TenantCreated, "refused"), (AuditActions.TenantCreated, "refused"), (AuditActions.TenantCreated, "succeeded"),
        ], rows.Select(Summary));
        Assert.All(rows, r => Assert.Equal(Cli, Text(r, "actor")));
        Assert.Equal(rows.Select(r => r.GetProperty("id").GetInt64()).OrderDescending(), rows.Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal("audit_nosuch", Text(rows[0], "tenant_code"));
        Assert.Equal("TenantNotFoundException", Text(rows[0].GetProperty("detail"), "error"));
        Assert.Equal("InvalidTenantStateException", Text(rows[1].GetProperty("detail"), "error"));
        Assert.Equal(["admin_email", "notes"], rows[2].GetProperty("detail").GetProperty("fields").EnumerateArray().Select(f => f.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("audit_bad", Text(rows[3], "tenant_code"));
        Assert.Equal(["admin_email"], rows[3].GetProperty("detail").GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("TenantConflictException", Text(rows[4].GetProperty("detail"), "error"));
        Assert.Equal("tbwa", Text(rows[4], "tenant_code"));
        Assert.Equal("audit_reg", Text(rows[5], "tenant_code"));
    }

    [Fact]
    public async Task Provisioning_suspending_resuming_archiving_and_restoring_a_tenant_each_leave_a_row()
    {
        Assert.Equal(0, (await RunAsync("tenant", "create", "audit_life", "--name", "Audit Lifecycle")).ExitCode);
        var provision = await RunAsync("tenant", "provision", "audit_life", "--no-verify", "--json");
        Assert.True(provision.ExitCode == 0, provision.ToString());
        Assert.Equal(0, (await RunAsync("tenant", "suspend", "audit_life")).ExitCode);
        Assert.Equal(0, (await RunAsync("tenant", "resume", "audit_life")).ExitCode);
        var gone = await RunAsync("tenant", "deprovision", "audit_life", "--archive-to", _archives, "--json");
        Assert.True(gone.ExitCode == 0, gone.ToString());
        var back = await RunAsync("tenant", "restore", "audit_life", "--from", gone.Json().GetProperty("archive").GetString()!);
        Assert.True(back.ExitCode == 0, back.ToString());
        NpgsqlConnection.ClearAllPools(); // the restore dropped and made odoo_audit_life again

        var rows = await AuditAsync("--tenant", "audit_life");

        Assert.Equal(
        [
            (AuditActions.TenantRestored, "succeeded"), (AuditActions.TenantArchived, "succeeded"), (AuditActions.TenantResumed, "succeeded"),
            (AuditActions.TenantSuspended, "succeeded"), (AuditActions.TenantProvisioned, "succeeded"), (AuditActions.TenantCreated, "succeeded"),
        ], rows.Select(Summary));
        Assert.All(rows, r => Assert.Equal("audit_life", Text(r, "tenant_code")));
        Assert.Equal(provision.Json().GetProperty("run_id").GetString(), Text(rows[4].GetProperty("detail"), "run_id"));
        Assert.Equal(gone.Json().GetProperty("archive").GetString(), Text(rows[1].GetProperty("detail"), "archive"));
        Assert.True(rows[0].GetProperty("detail").GetProperty("tables_verified").GetInt32() > 0);
    }

    [Fact]
    public async Task The_json_is_an_array_of_rows_keyed_by_the_column_names_and_the_table_names_the_same_things()
    {
        var json = await AuditAsync("--tenant", "tbwa", "--limit", "1");
        var table = await RunAsync("audit", "--tenant", "tbwa");

        var row = Assert.Single(json);
        await using var connection = await _platform.OpenPlatformAsync();
        var columns = await connection.QueryAsync<string>("SELECT column_name FROM information_schema.columns WHERE table_name = 'ipai_audit' ORDER BY ordinal_position");
        Assert.Equal(columns, row.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Object, row.GetProperty("detail").ValueKind);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("tenant.created", table.Output, StringComparison.Ordinal);
        Assert.Contains(Cli, table.Output, StringComparison.Ordinal);
        Assert.Contains("1 row(s), newest first.", table.Error, StringComparison.Ordinal);
        Assert.Empty(await AuditAsync("--tenant", "never_registered"));
    }

    [Theory]
    [InlineData("--tenant", "Not-A-Code")]
    [InlineData("--tenant", "x'; DROP TABLE ipai_audit; --")]
    [InlineData("--limit", "0")]
    [InlineData("--limit", "100001")]
    [InlineData("--limit", "many")]
    public async Task Bad_arguments_exit_with_code_2_and_a_usage_error(string option, string value)
    {
        var run = await _platform.CliAsync("audit", option, value);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("usage error", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task The_runtime_role_may_insert_a_row_and_may_not_read_change_delete_or_empty_the_trail()
    {
        await using var app = RuntimeRole();
        await app.OpenAsync();

        Assert.Equal(1, await app.ExecuteAsync("INSERT INTO ipai_audit (actor, tenant_code, action, outcome) VALUES ('test:runtime', 'tbwa', 'dashboard.accessed', 'succeeded')"));
        foreach (var sql in new[]
        {
            "SELECT count(*) FROM ipai_audit",
            "UPDATE ipai_audit SET outcome = 'failed'",
            "DELETE FROM ipai_audit",
            "TRUNCATE ipai_audit",
            "INSERT INTO ipai_audit (actor, action, outcome) VALUES ('test:runtime', 'tenant.created', 'succeeded') RETURNING id",
        })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => app.ExecuteAsync(sql));
            Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege && error.MessageText.StartsWith("permission denied for table ipai_audit", StringComparison.Ordinal),
                $"{sql}: {error.SqlState} {error.MessageText}");
        }
        Assert.Equal(1, await postgres.ScalarAsync<long>(PlatformScope.PlatformDatabase, "SELECT count(*) FROM ipai_audit WHERE actor = 'test:runtime'"));
    }

    [Theory]
    [InlineData("UPDATE ipai_audit SET actor = 'someone else'", "UPDATE")]
    [InlineData("UPDATE ipai_audit SET actor = 'someone else' WHERE false", "UPDATE")]
    [InlineData("DELETE FROM ipai_audit", "DELETE")]
    [InlineData("TRUNCATE ipai_audit", "TRUNCATE")]
    public async Task Not_even_the_owner_may_change_delete_or_empty_a_row(string sql, string operation)
    {
        var before = await postgres.ScalarAsync<string>(PlatformScope.PlatformDatabase, "SELECT string_agg(t::text, E'\\n' ORDER BY id) FROM ipai_audit t");
        // The platform's owner owns the table; the test server's admin is a superuser: the trigger binds both.
        Assert.Equal(PostgresFixture.OwnerRole, _platform.Get<PlatformEnvironmentSource>().Current.Owner.Username);
        foreach (var connectionString in new[] { postgres.OwnerConnectionString(PlatformScope.PlatformDatabase), postgres.ConnectionString(PlatformScope.PlatformDatabase) })
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));

            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
            Assert.Equal($"ipai_audit is append-only: {operation} is refused", error.MessageText);
        }
        Assert.Equal(before, await postgres.ScalarAsync<string>(PlatformScope.PlatformDatabase, "SELECT string_agg(t::text, E'\\n' ORDER BY id) FROM ipai_audit t"));
    }

    [Fact]
    public async Task An_action_whose_row_cannot_be_written_keeps_its_outcome_and_prints_a_warning()
    {
        await postgres.ExecuteAsync(PlatformScope.PlatformDatabase, "REVOKE INSERT ON ipai_audit FROM ipai_app");
        try
        {
            var created = await _platform.CliAsync("tenant", "create", "audit_unrecorded", "--name", "Unrecorded");
            var refused = await _platform.CliAsync("tenant", "create", "tbwa", "--name", "Again");

            Assert.True(created.ExitCode == 0, created.ToString());
            Assert.Contains("warning: The audit trail did not record tenant.created of tenant audit_unrecorded (succeeded, by cli:", created.Error, StringComparison.Ordinal);
            Assert.Contains("permission denied for table ipai_audit", created.Error, StringComparison.Ordinal);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("already exists", refused.Error, StringComparison.Ordinal); // its own error, not the audit's
            Assert.Equal("draft", (await RunAsync("tenant", "show", "audit_unrecorded", "--json")).Json().GetProperty("state").GetString());
        }
        finally
        {
            await postgres.ExecuteAsync(PlatformScope.PlatformDatabase, "GRANT INSERT ON ipai_audit TO ipai_app");
        }
        Assert.Empty(await AuditAsync("--tenant", "audit_unrecorded"));
    }

    [Fact]
    public async Task The_lint_exempts_the_insert_only_trail_and_flags_it_once_the_runtime_role_may_read_it()
    {
        var lint = _platform.Get<IsolationLint>();
        IsolationFinding Trail(IsolationReport report) => Assert.Single(report.Findings, f => f.Database == PlatformScope.PlatformDatabase && f.ObjectName == "public.ipai_audit");

        var insertOnly = Trail(await lint.RunAsync("platform", CancellationToken.None));
        await postgres.ExecuteAsync(PlatformScope.PlatformDatabase, "GRANT SELECT ON ipai_audit TO ipai_app");
        IsolationFinding readable;
        try
        {
            readable = Trail(await lint.RunAsync("platform", CancellationToken.None));
        }
        finally
        {
            await postgres.ExecuteAsync(PlatformScope.PlatformDatabase, "REVOKE SELECT ON ipai_audit FROM ipai_app");
        }

        Assert.Equal((IsolationLevel.Info, IsolationLint.Names.RlsExempt), (insertOnly.Level, insertOnly.Lint));
        Assert.Contains("may only INSERT", insertOnly.Detail, StringComparison.Ordinal);
        Assert.Equal((IsolationLevel.Error, IsolationLint.Names.TenantIdMissing), (readable.Level, readable.Lint));
    }
}
