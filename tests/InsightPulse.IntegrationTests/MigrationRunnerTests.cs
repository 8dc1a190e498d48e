using Dapper;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.A)]
public sealed class MigrationRunnerTests(PostgresFixture postgres) : IAsyncLifetime
{
    private string _database = "";
    private NpgsqlDataSource _source = null!;

    public async Task InitializeAsync()
    {
        _database = await postgres.CreateDatabaseAsync("migrations_t");
        _source = postgres.DataSource(_database);
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = postgres.DataSource(postgres.AdminDatabase);
        await admin.CreateCommand($"DROP DATABASE IF EXISTS {Sql.Identifier(_database)} WITH (FORCE)").ExecuteNonQueryAsync();
    }

    private static readonly Migration[] Two =
    [
        new("0001_a.sql", "CREATE TABLE a (id int PRIMARY KEY);"),
        new("0002_b.sql", "CREATE TABLE b (id int REFERENCES a); INSERT INTO a VALUES (1);"),
    ];

    [Fact]
    public async Task Scripts_are_applied_once_in_order_and_journaled_with_their_checksums()
    {
        var first = await MigrationRunner.ApplyAsync(_source, "test", Two, CancellationToken.None);
        var second = await MigrationRunner.ApplyAsync(_source, "test", Two, CancellationToken.None);

        Assert.Equal(["0001_a.sql", "0002_b.sql"], first);
        Assert.Empty(second);
        await using var connection = await _source.OpenConnectionAsync();
        var journal = (await connection.QueryAsync<(string Id, string Checksum)>("SELECT migration_id, checksum FROM ipai_migration WHERE scope = 'test' ORDER BY migration_id")).ToList();
        Assert.Equal(Two.Select(m => (m.Id, m.Checksum)), journal);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM a"));
    }

    [Fact]
    public async Task An_applied_script_whose_text_changed_is_refused()
    {
        await MigrationRunner.ApplyAsync(_source, "test", Two, CancellationToken.None);
        Migration[] edited = [Two[0] with { Sql = "CREATE TABLE a (id bigint PRIMARY KEY);" }, Two[1]];

        var error = await Assert.ThrowsAsync<MigrationChecksumException>(() => MigrationRunner.ApplyAsync(_source, "test", edited, CancellationToken.None));

        Assert.Contains("test/0001_a.sql was changed after it was applied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_script_is_rolled_back_whole_and_not_journaled()
    {
        Migration[] broken = [Two[0], new("0002_bad.sql", "CREATE TABLE half (id int); SELECT no_such_function();")];

        var error = await Assert.ThrowsAsync<MigrationFailedException>(() => MigrationRunner.ApplyAsync(_source, "test", broken, CancellationToken.None));

        Assert.Contains("0002_bad.sql failed and was rolled back", error.Message, StringComparison.Ordinal);
        await using var connection = await _source.OpenConnectionAsync();
        Assert.False(await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('half') IS NOT NULL"));
        Assert.Equal(["0001_a.sql"], await connection.QueryAsync<string>("SELECT migration_id FROM ipai_migration"));
    }

    [Fact]
    public async Task Concurrent_runs_apply_each_script_exactly_once()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => MigrationRunner.ApplyAsync(_source, "test", Two, CancellationToken.None))));

        Assert.Equal(2, runs.Sum(r => r.Count));
        await using var connection = await _source.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM a"));
    }
}
