using InsightPulse.Core.Databases;
using Dapper;
using InsightPulse.Core.Events;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// schema_changed events are written with the change they report: one per store and run for applied scripts (from
/// the stores' outboxes, relayed exactly once), one per lifecycle move; none for a run that changed nothing.
/// (Killed runs: <see cref="FaultInjectionTests"/> checks the events after every fault point.)
/// </summary>
[Collection(Lanes.C)]
public sealed class SchemaEventTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    private sealed class EventRow
    {
        public long Id { get; init; }
        public string Change { get; init; } = "";
        public string? Store { get; init; }
        public string Database { get; init; } = "";
        public string Schema { get; init; } = "";
        public string[] Scripts { get; init; } = [];
        public string[] ScopesInstalled { get; init; } = [];
        public string? Checksum { get; init; }
    }

    private async Task<List<EventRow>> EventsAsync(string tenant)
    {
        await using var platform = await OpenAsync("odoo_platform");
        return (await platform.QueryAsync<EventRow>("""
            SELECT id, change, store, database, schema, scripts, scopes_installed AS ScopesInstalled, checksum
            FROM ipai_schema_event WHERE tenant_code = @tenant ORDER BY id
            """, new { tenant })).ToList();
    }

    /// <summary>'scope/id' of every script in a store's journal that a tenant's run applied (the tenant context is shared, not the tenant's).</summary>
    private async Task<List<string>> JournalAsync(string database, string schema)
    {
        await using var connection = await OpenAsync(database);
        return (await connection.QueryAsync<string>(
            $"SELECT scope || '/' || migration_id FROM \"{schema}\".ipai_migration WHERE scope <> 'tenant_context' ORDER BY 1")).ToList();
    }

    [Fact]
    public async Task Provisioning_reports_each_stores_scripts_once_then_the_tenant_becoming_active_and_a_second_run_reports_nothing()
    {
        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--no-template", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());

        var events = await EventsAsync("tbwa");
        Assert.Equal(["scripts_applied", "scripts_applied", "tenant_provisioned"], events.Select(e => e.Change));
        var schema = events.Single(e => e.Store == "schema");
        Assert.Equal(("postgres", "tbwa"), (schema.Database, schema.Schema));
        Assert.Equal(await JournalAsync("postgres", "tbwa"), schema.Scripts.Order(StringComparer.Ordinal));
        Assert.Contains("module:ipai_finance_ppm", schema.ScopesInstalled);
        Assert.Contains("databank:tbwa", schema.ScopesInstalled);
        var database = events.Single(e => e.Store == "database");
        Assert.Equal(("odoo_tbwa", "public"), (database.Database, database.Schema));
        Assert.Equal(await JournalAsync("odoo_tbwa", "public"), database.Scripts.Order(StringComparer.Ordinal));
        Assert.Matches("^[0-9a-f]{64}$", schema.Checksum!);
        Assert.Matches("^[0-9a-f]{64}$", events[^1].Checksum!);

        // The checksum is the store journal's, as documented: sorted 'scope/id checksum' lines, SHA-256.
        await using (var data = await OpenAsync("postgres"))
        {
            var lines = (await data.QueryAsync<string>("SELECT scope || '/' || migration_id || ' ' || checksum FROM tbwa.ipai_migration")).Order(StringComparer.Ordinal);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines)))), schema.Checksum);
            Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM tbwa.ipai_migration_event"));
        }
        await using (var platform = await OpenAsync("odoo_platform"))
        {
            Assert.Equal(0, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_schema_event_store"));
        }

        var again = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(events.Count, (await EventsAsync("tbwa")).Count);
    }

    [Fact]
    public async Task Installing_a_module_reports_its_scripts_and_that_it_installed_it()
    {
        Assert.Equal(0, (await _platform.CliAsync("tenant", "provision", "platform", "--no-verify")).ExitCode);
        var before = (await EventsAsync("platform")).Count;

        var install = await _platform.CliAsync("tenant", "install", "platform", "ipai_finance_ppm", "--json");
        Assert.True(install.ExitCode == 0, install.ToString());

        var added = (await EventsAsync("platform")).Skip(before).ToList();
        var applied = Assert.Single(added);
        Assert.Equal(("scripts_applied", "schema", "public"), (applied.Change, applied.Store, applied.Schema));
        Assert.Equal(["module:ipai_finance_ppm"], applied.ScopesInstalled);
        Assert.Equal(["module:ipai_finance_ppm/0001_finance_ppm.sql", "module:ipai_finance_ppm/0002_expense_analysis.sql"], applied.Scripts);
    }

    [Fact]
    public async Task A_relay_repeated_after_a_crash_before_it_cleared_the_store_writes_no_second_event()
    {
        Assert.Equal(0, (await _platform.CliAsync("tenant", "provision", "platform", "--no-verify")).ExitCode);
        var outbox = _platform.Get<SchemaEventOutbox>();
        var store = new EventStore("platform", EventStore.SchemaStore, FleetServer.Home, "postgres", "public");
        var rows = new[] { Guid.NewGuid(), Guid.NewGuid() };
        const string Insert = """
            INSERT INTO public.ipai_migration_event (id, tenant_code, scope, migration_id, installs_scope, checksum)
            SELECT id, 'platform', 'module:example', 'script_' || ordinality, false, repeat('0', 64) FROM unnest(@rows::uuid[]) WITH ORDINALITY AS r(id, ordinality)
            """;
        await using (var data = await OpenAsync("postgres")) await data.ExecuteAsync(Insert, new { rows });

        var first = await outbox.RelayAsync(store, unmark: false, CancellationToken.None);
        Assert.NotNull(first);
        Assert.Equal(["module:example/script_1", "module:example/script_2"], first.Scripts);

        // The process died after the platform commit and before the store's rows were deleted: they are still there.
        await using (var data = await OpenAsync("postgres")) await data.ExecuteAsync(Insert, new { rows });
        Assert.Null(await outbox.RelayAsync(store, unmark: false, CancellationToken.None));
        await using (var data = await OpenAsync("postgres"))
        {
            Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM public.ipai_migration_event WHERE scope = 'module:example'"));
        }
        Assert.Single(await EventsAsync("platform"), e => e.Scripts.Contains("module:example/script_1"));
    }
}
