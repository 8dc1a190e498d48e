using System.Diagnostics;
using System.Security.Cryptography;
using InsightPulse.Core.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// <see cref="PgBouncerProcess"/> authenticates as Supabase's pooler does (auth_query against pg_shadow, a wildcard
/// database entry): roles and databases created after it started need no entry anywhere.
/// </summary>
[Collection(Lanes.B)]
public sealed class PgBouncerAuthQueryTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_role_and_a_database_created_after_the_pooler_started_log_in_through_it()
    {
        await using var bouncer = await PgBouncerProcess.StartAsync(postgres, serverPoolSize: 2);
        var role = PostgresFixture.UniqueName("bouncer_role");
        var secret = NewSecret();
        var database = await postgres.CreateDatabaseAsync("bouncer_db");
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            await ExecuteAsync(admin, "SET password_encryption = 'scram-sha-256'");
            await ExecuteAsync(admin, $"CREATE ROLE {Sql.Identifier(role)} LOGIN PASSWORD {Sql.Literal(secret)}");
        }
        try
        {
            await using var connection = new NpgsqlConnection(ThroughBouncer(bouncer, database, role, secret).ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_user || '@' || current_database()", connection);

            Assert.Equal($"{role}@{database}", (string?)await command.ExecuteScalarAsync());
        }
        catch (Exception)
        {
            output.WriteLine(await bouncer.LogAsync());
            throw;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await bouncer.DisposeAsync(); // its server connections hold the role and the database
            await using var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase));
            await admin.OpenAsync();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Sql.Identifier(database)} WITH (FORCE)");
            await ExecuteAsync(admin, $"DROP ROLE IF EXISTS {Sql.Identifier(role)}");
        }
    }

    /// <summary>
    /// What a client sees when it asks the pooler for a database the server does not have. The wildcard entry accepts
    /// any name, so PgBouncer's own login to it (as the auth_user, to run auth_query) is what fails, and PgBouncer 1.18
    /// does not tell the client that waits for it: the first client waits until its own connect timeout. Clients that
    /// come while the failure is recent (server_login_retry, 15 s) get a fast 08P01 error instead. Measured and written
    /// to the test output; asserted only loosely.
    /// </summary>
    [Fact]
    public async Task A_database_the_server_does_not_have_fails_the_client_login()
    {
        await using var bouncer = await PgBouncerProcess.StartAsync(postgres, serverPoolSize: 2);
        var role = PostgresFixture.UniqueName("bouncer_role");
        var secret = NewSecret();
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            await ExecuteAsync(admin, "SET password_encryption = 'scram-sha-256'");
            await ExecuteAsync(admin, $"CREATE ROLE {Sql.Identifier(role)} LOGIN PASSWORD {Sql.Literal(secret)}");
        }
        try
        {
            // A role that auth_query looks up, as ipai_app is on Supabase.
            var missing = ThroughBouncer(bouncer, PostgresFixture.UniqueName("bouncer_missing"), role, secret);
            missing.Timeout = 5;
            missing.Pooling = false;

            var (first, firstTook) = await OpenFailureAsync(missing.ConnectionString, "first client");
            var (second, secondTook) = await OpenFailureAsync(missing.ConnectionString, "second client, right after");
            output.WriteLine("pgbouncer.log:");
            output.WriteLine(await bouncer.LogAsync());

            Assert.IsAssignableFrom<NpgsqlException>(first);
            Assert.True(firstTook < TimeSpan.FromSeconds(30), $"first: took {firstTook}");
            Assert.IsAssignableFrom<NpgsqlException>(second);
            Assert.True(secondTook < TimeSpan.FromSeconds(30), $"second: took {secondTook}");

            // The pooler still serves a database that exists.
            var existing = ThroughBouncer(bouncer, postgres.AdminDatabase, role, secret);
            existing.Pooling = false;
            await using var good = new NpgsqlConnection(existing.ConnectionString);
            await good.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 1", good);
            Assert.Equal(1, (int?)await command.ExecuteScalarAsync());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await bouncer.DisposeAsync();
            await using var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase));
            await admin.OpenAsync();
            await ExecuteAsync(admin, $"DROP ROLE IF EXISTS {Sql.Identifier(role)}");
        }
    }

    private async Task<(Exception? Error, TimeSpan Took)> OpenFailureAsync(string connectionString, string who)
    {
        var clock = Stopwatch.StartNew();
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
        });
        clock.Stop();
        output.WriteLine($"[{who}] after {clock.Elapsed.TotalMilliseconds:F0} ms: {error?.GetType().FullName}, SqlState {(error as PostgresException)?.SqlState ?? "none"}: " +
            $"{error?.Message} (inner: {error?.InnerException?.GetType().FullName}: {error?.InnerException?.Message})");
        return (error, clock.Elapsed);
    }

    /// <summary>A client of the pooler as the platform's runtime pool is one behind a transaction pooler.</summary>
    private static NpgsqlConnectionStringBuilder ThroughBouncer(PgBouncerProcess bouncer, string database, string user, string secret) => new()
    {
        Host = "127.0.0.1", Port = bouncer.Port, Database = database, Username = user, Password = secret,
        SslMode = SslMode.Disable, NoResetOnClose = true, MaxAutoPrepare = 0, Timeout = 15, CommandTimeout = 15,
        ApplicationName = "ipai-tests",
    };

    private static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(18));

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
