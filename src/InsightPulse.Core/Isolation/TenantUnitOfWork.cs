using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Isolation;

/// <summary>
/// One transaction on one tenant's data, as the runtime role: the tenant context (<c>app.tenant_id</c>) and, for the
/// schema store, the search path were set first, local to the transaction, so they end with it and never reach
/// the next user of the pooled connection. Not committed by <see cref="CommitAsync"/>: rolled back on dispose.
/// </summary>
public sealed class TenantUnitOfWork : IAsyncDisposable
{
    private readonly TenantAffineConnection _lease;
    private bool _completed;

    internal TenantUnitOfWork(string tenantCode, TenantStore store, string database, string schema, TenantAffineConnection lease, NpgsqlTransaction transaction)
    {
        _lease = lease;
        TenantCode = tenantCode;
        Store = store;
        Database = database;
        Schema = schema;
        Connection = lease.Connection;
        Transaction = transaction;
    }

    public string TenantCode { get; }
    public TenantStore Store { get; }
    public string Database { get; }

    /// <summary>The schema unqualified names resolve to (<c>public</c> in a tenant database).</summary>
    public string Schema { get; }

    /// <summary>The open connection; pass <see cref="Transaction"/> with every command.</summary>
    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        await Transaction.CommitAsync(cancellationToken);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_completed && Connection.State == System.Data.ConnectionState.Open)
            {
                await Transaction.RollbackAsync();
            }
        }
        finally
        {
            _completed = true;
            await Transaction.DisposeAsync();
            await _lease.DisposeAsync(); // kept for this tenant's next unit of work, or back to the pool
        }
    }
}
