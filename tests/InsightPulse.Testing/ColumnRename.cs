using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Testing;

/// <summary>
/// A column of a tenant's table or view renamed away, as the test server's admin: to the catalogue (and so to a BI
/// dataset) the column is gone, and every view over it follows. <see cref="UndoAsync"/> or disposal puts the name back.
/// </summary>
public sealed class ColumnRename : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _schema;
    private readonly string _relation;
    private readonly string _column;
    private readonly string _renamedTo;

    private ColumnRename(string connectionString, string schema, string relation, string column, string renamedTo)
    {
        _connectionString = connectionString;
        _schema = schema;
        _relation = relation;
        _column = column;
        _renamedTo = renamedTo;
    }

    /// <summary>Renames <paramref name="schema"/>.<paramref name="relation"/>.<paramref name="column"/> to <paramref name="column"/>_before in <paramref name="database"/>.</summary>
    public static async Task<ColumnRename> StartAsync(PostgresFixture postgres, string database, string schema, string relation, string column)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var rename = new ColumnRename(postgres.ConnectionString(database), schema, relation, column, column + "_before");
        await rename.RenameAsync(column, rename._renamedTo);
        return rename;
    }

    /// <summary>The column's name back (nothing when it has it already).</summary>
    public async Task UndoAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = @schema AND table_name = @relation AND column_name = @column)", connection);
        exists.Parameters.AddWithValue("schema", _schema);
        exists.Parameters.AddWithValue("relation", _relation);
        exists.Parameters.AddWithValue("column", _renamedTo);
        if (await exists.ExecuteScalarAsync() is true) await RenameAsync(_renamedTo, _column);
    }

    private async Task RenameAsync(string from, string to)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        // ALTER TABLE renames a view's column too.
        await using var command = new NpgsqlCommand(
            $"ALTER TABLE {Sql.Identifier(_schema)}.{Sql.Identifier(_relation)} RENAME COLUMN {Sql.Identifier(from)} TO {Sql.Identifier(to)}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await UndoAsync();
}
