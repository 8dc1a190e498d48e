using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Servers;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Bench;

/// <summary>
/// <c>./ipai bench move</c>: <c>tenant move</c> of a tenant whose database holds N rows, from the home server to a second
/// PostgreSQL server. The second server is a throwaway managed cluster (Debian's binaries, default settings: durable,
/// like home) on a loopback port, added to the fleet for the run and removed after it, with the bench tenant; the
/// rows are users of the tenant's database (<c>res_users</c>, with its indexes and constraints), written in the
/// tenant's context. Measures the move's total time and its unavailability window (freeze to switch), and the copy's rate.
/// </summary>
public sealed class MoveBenchmark(
    PlatformDatabases databases, ServerRegistry servers, TenantRegistry registry, TenantProvisioner provisioner,
    TenantMover mover, TenantArchiver archiver)
{
    public const string TenantCode = "bench_move";
    public const string ServerName = "bench_move";

    public sealed record Options(int Rows = 1_000_000);

    public sealed record Result(
        int Rows, long DatabaseBytes, int Tables, long RowsVerified, double MoveSeconds, double UnavailableSeconds, double LoadSeconds, double RowsPerSecond,
        IReadOnlyList<string> Steps, string ServerVersion, int Processors);

    public async Task<Result> RunAsync(Options options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        databases.Environment.RequireSession("`./ipai bench move`");
        await CleanUpAsync(null, progress, cancellationToken); // a run killed before left these behind
        var home = Directory.CreateTempSubdirectory("ipai-bench-move-");
        File.SetUnixFileMode(home.FullName, (UnixFileMode)0b111_101_101); // the postgres user runs the cluster when we are root
        var cluster = new ManagedCluster(home.FullName);
        try
        {
            progress?.Invoke("starting a second PostgreSQL server (a throwaway managed cluster)…");
            await cluster.EnsureInitializedAsync(cancellationToken);
            await cluster.EnsureStartedAsync(cancellationToken);
            var admin = cluster.Superuser;
            await servers.AddAsync(ServerName, new PostgresUrl
            {
                Host = cluster.Server.Host, Port = cluster.Server.Port, Username = admin.Username, Password = admin.Password, Database = "postgres",
                SslMode = cluster.Server.SslMode,
            }, cancellationToken);

            progress?.Invoke($"provisioning tenant {TenantCode} at home and writing {options.Rows:N0} rows into its database…");
            await registry.CreateAsync(Tenant.New(TenantCode, "Move benchmark") with { Server = FleetServer.Home }, cancellationToken);
            await provisioner.ProvisionAsync(TenantCode, new TenantProvisioner.Options(), null, null, cancellationToken);
            var load = Stopwatch.StartNew();
            await LoadRowsAsync(options.Rows, cancellationToken);
            var loadSeconds = load.Elapsed.TotalSeconds;
            var bytes = await DatabaseBytesAsync(cancellationToken);

            progress?.Invoke($"moving {TenantCode} ({bytes / (1024.0 * 1024.0):0} MB) to {ServerName}…");
            var moved = await mover.MoveAsync(TenantCode, ServerName, step => progress?.Invoke("  " + step), cancellationToken);
            return new Result(options.Rows, bytes, moved.Tables, moved.Rows, Math.Round(moved.Elapsed.TotalSeconds, 3), Math.Round(moved.Unavailable.TotalSeconds, 3),
                Math.Round(loadSeconds, 3), Math.Round(moved.Rows / Math.Max(0.001, moved.Elapsed.TotalSeconds)), moved.Did,
                await databases.ServerVersionAsync(cancellationToken), Environment.ProcessorCount);
        }
        finally
        {
            await CleanUpAsync(cluster, progress, CancellationToken.None);
            await cluster.DestroyAsync(CancellationToken.None);
            home.Delete(recursive: true);
        }
    }

    /// <summary>The bench tenant's users, written in its context in batches (one transaction each) as the owner.</summary>
    private async Task LoadRowsAsync(int rows, CancellationToken cancellationToken)
    {
        const int Batch = 100_000;
        for (var from = 1; from <= rows; from += Batch)
        {
            await using var connection = await databases.GetAsOwner(FleetServer.Home, Tenant.DatabasePrefix + TenantCode).OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await Core.Isolation.TenantContext.SetAsync(connection, transaction, TenantCode, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO res_users (login, name, email, active, is_admin)
                SELECT 'user' || g, 'Bench user ' || g, 'user' || g || '@bench.example', true, false FROM generate_series(@from, @to) g
                """, new { from, to = Math.Min(rows, from + Batch - 1) }, transaction, commandTimeout: 600, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private async Task<long> DatabaseBytesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT pg_database_size(@database)", new { database = Tenant.DatabasePrefix + TenantCode }, cancellationToken: cancellationToken));
    }

    /// <summary>The bench tenant (wherever it is, with its old copies), then the bench server, out of the fleet.</summary>
    private async Task CleanUpAsync(ManagedCluster? cluster, Action<string>? progress, CancellationToken cancellationToken)
    {
        if (await registry.FindAsync(TenantCode, cancellationToken) is { } tenant)
        {
            progress?.Invoke($"removing the bench tenant {TenantCode}…");
            var reachable = tenant.DatabaseServer == FleetServer.Home || cluster is not null;
            if (reachable)
            {
                await mover.PurgeAsync(TenantCode, cancellationToken);
                await archiver.DeleteAllAsync(TenantCode, null, cancellationToken);
            }
            else
            {
                // Its server was a cluster of a run that died: nothing of it is left to drop.
                await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ipai_tenant WHERE code = @code", new { code = TenantCode }, cancellationToken: cancellationToken));
            }
        }
        if ((await servers.ListServersAsync(cancellationToken)).Any(s => s.Name == ServerName)) await servers.RemoveAsync(ServerName, cancellationToken);
    }
}
