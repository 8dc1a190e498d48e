using Dapper;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Finance;

/// <summary>What the finance stores share: commands in the unit of work's transaction, and PostgreSQL errors as our own.</summary>
internal static class FinanceSql
{
    public static CommandDefinition Command(TenantUnitOfWork work, string sql, object? parameters, CancellationToken cancellationToken) =>
        new(sql, parameters, work.Transaction, cancellationToken: cancellationToken);

    /// <summary>
    /// A unique violation names its field; a CHECK the validation missed becomes a form error naming the rule, so a
    /// form never answers 500 for a value. Anything else is rethrown by the caller.
    /// </summary>
    public static Exception? Translate(PostgresException e, IReadOnlyDictionary<string, (string Field, string Message)> uniques)
    {
        if (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName is { } unique && uniques.TryGetValue(unique, out var error))
        {
            return new FieldValidationException([new ValidationError(error.Field, error.Message)]);
        }
        if (e.SqlState == PostgresErrorCodes.CheckViolation)
        {
            return new FieldValidationException([new ValidationError("", $"The values break the rule {e.ConstraintName}: correct them and save again.")]);
        }
        return null;
    }

    /// <summary>
    /// Deletes one row by <c>@id</c> with <paramref name="deleteSql"/> in the tenant's unit of work: no row is
    /// <see cref="FinanceNotFoundException"/> (<paramref name="notFound"/>); rows still referencing it are
    /// <see cref="FinanceConflictException"/> (<paramref name="stillReferenced"/>).
    /// </summary>
    public static async Task DeleteAsync(TenantDataAccess data, Tenant tenant, string deleteSql, long id, string notFound, string stillReferenced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        try
        {
            var deleted = await work.Connection.ExecuteAsync(Command(work, deleteSql, new { id }, cancellationToken));
            if (deleted == 0) throw new FinanceNotFoundException(notFound);
            await work.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new FinanceConflictException(stillReferenced);
        }
    }
}
