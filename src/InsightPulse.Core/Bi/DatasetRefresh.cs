using System.Text.Json;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Bi;

/// <summary>
/// Follows a tenant's schema changes into its BI workspace: every dataset's columns are read again from the live
/// catalogue and written when they differ, and every chart is checked against them: a chart that names a column its
/// dataset no longer has (or whose relation is gone) gets a <c>broken_reason</c> a dashboard viewer can read, and
/// loses it when it fits again. The platform's writes are one transaction holding the workspace row's lock, as the
/// provisioning step <c>bi_workspace</c> does, so the two never interleave; the catalogue is read under that lock,
/// so a refresh never writes columns older than those another refresh already wrote. A second call finds nothing to
/// change.
/// </summary>
public sealed class DatasetRefresh(PlatformDatabases databases, TenantRegistry registry, BiWorkspaceInstaller installer, BiDatabases connections, ExternalBiWorkspace external)
{
    /// <summary>
    /// Refreshes the datasets of <paramref name="tenantCode"/>'s workspace. A tenant that is unknown, archived, without a
    /// workspace, or whose database is gone has nothing to refresh (<see cref="DatasetRefreshResult.Skipped"/>); any
    /// other failure (the server unreachable, …) is thrown.
    /// </summary>
    public async Task<DatasetRefreshResult> RefreshAsync(string tenantCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantCode);
        var tenant = await registry.FindAsync(tenantCode, cancellationToken);
        if (tenant is null) return DatasetRefreshResult.Nothing(tenantCode, "no such tenant");
        if (tenant.State == TenantState.Archived) return DatasetRefreshResult.Nothing(tenantCode, "the tenant is archived");
        // A tenant on an external Superset: that Superset reads its datasets' columns again.
        if (tenant.SupersetBaseUrl is not null) return DatasetRefreshResult.Nothing(tenantCode, await external.RefreshAsync(tenant, cancellationToken));

        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await platform.BeginTransactionAsync(cancellationToken);
        var locked = await platform.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT name FROM ipai_bi_workspace WHERE tenant_code = @code FOR UPDATE", new { code = tenant.Code }, transaction, cancellationToken: cancellationToken));
        if (locked is null) return DatasetRefreshResult.Nothing(tenantCode, "the tenant has no BI workspace");

        var datasets = await BiMetadata.DatasetsAsync(platform, transaction, tenant.Code, cancellationToken);
        var charts = (await BiMetadata.WorkspaceChartsAsync(platform, transaction, tenant.Code, cancellationToken)).ToLookup(c => c.Chart.DatasetId);
        var changed = new List<DatasetColumnsChange>();
        var broken = new List<ChartHealth>();
        var healed = new List<ChartHealth>();
        var stillBroken = new List<ChartHealth>();
        var missing = new List<string>();
        foreach (var dataset in datasets)
        {
            IReadOnlyList<DatasetColumn>? live;
            try
            {
                live = dataset.Store == Dataset.ConnectionStore
                    ? await connections.FindColumnsAsync(dataset, cancellationToken)
                    : await installer.FindColumnsAsync(tenant, dataset.Store, dataset.Relation, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                return DatasetRefreshResult.Nothing(tenantCode, $"its database {tenant.DbName} does not exist");
            }
            catch (BiWorkspaceException) when (dataset.Store == Dataset.ConnectionStore)
            {
                // Its connection cannot be opened now (another platform's server): nothing is known, nothing changes.
                continue;
            }

            if (live is null)
            {
                // Gone (dropped or renamed): the last known columns stay, for when it comes back.
                missing.Add(dataset.Name);
            }
            else if (!live.SequenceEqual(dataset.Columns))
            {
                await platform.ExecuteAsync(new CommandDefinition(
                    "UPDATE ipai_bi_dataset SET columns = CAST(@json AS jsonb), changed_at = now() WHERE tenant_code = @code AND id = @id",
                    new { json = JsonSerializer.Serialize(live, BiJson.Options), code = tenant.Code, id = dataset.Id }, transaction, cancellationToken: cancellationToken));
                changed.Add(DatasetColumnsChange.Between(dataset.Name, dataset.Columns, live));
            }

            foreach (var (slug, chart) in charts[dataset.Id])
            {
                var reason = live is null ? GoneReason(tenant, dataset) : BrokenReason(dataset.Name, chart.Spec, live);
                var health = new ChartHealth(chart.Key, slug, dataset.Name, reason);
                if (reason == chart.BrokenReason)
                {
                    if (reason is not null) stillBroken.Add(health);
                    continue;
                }
                await platform.ExecuteAsync(new CommandDefinition(
                    "UPDATE ipai_bi_chart SET broken_reason = @reason, changed_at = now() WHERE tenant_code = @code AND id = @id",
                    new { reason, code = tenant.Code, id = chart.Id }, transaction, cancellationToken: cancellationToken));
                (reason is null ? healed : broken).Add(health);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new DatasetRefreshResult(tenant.Code, changed, broken, healed, stillBroken, missing);
    }

    /// <summary>
    /// Why <paramref name="spec"/> cannot be drawn from <paramref name="columns"/> of dataset <paramref name="dataset"/>, in
    /// words a dashboard viewer understands (the columns that are gone, or else the validator's problems); null when it can.
    /// </summary>
    public static string? BrokenReason(string dataset, ChartSpec spec, IReadOnlyList<DatasetColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var problems = ChartSpecValidator.Problems(spec, columns);
        if (problems.Count == 0) return null;
        var present = columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var gone = ChartSpecValidator.ColumnNames(spec).Where(name => !present.Contains(name)).Select(name => $"'{Sql.Printable(name)}'").ToList();
        return gone.Count switch
        {
            0 => $"Dataset {dataset} changed: {string.Join(" ", problems)}",
            1 => $"Column {gone[0]} is no longer in dataset {dataset}.",
            _ => $"Columns {string.Join(", ", gone)} are no longer in dataset {dataset}.",
        };
    }

    private static string GoneReason(Tenant tenant, Dataset dataset) =>
        $"Dataset {dataset.Name} is no longer available: {dataset.SchemaName ?? BiWorkspaceInstaller.StoreSchema(tenant, dataset.Store)}.{dataset.Relation} does not exist.";
}
