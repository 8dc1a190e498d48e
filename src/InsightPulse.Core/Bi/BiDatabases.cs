using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace InsightPulse.Core.Bi;

/// <summary>
/// A workspace's database connections (<c>ipai_bi_database</c>): made, read and changed through the
/// Superset-compatible API, and opened to read a dataset's columns and run its charts. The password stays in the
/// platform database (owner only) and in the connection string handed to Npgsql; it is never returned or logged.
/// </summary>
public sealed class BiDatabases(PlatformDatabases databases, IOptions<BiOptions> options)
{
    private const string Columns = "id, uuid, tenant_code AS TenantCode, database_name AS DatabaseName, host, port, database, username, options, ssl_mode AS SslMode";

    public async Task<BiDatabase> CreateAsync(string tenantCode, string name, string uri, CancellationToken cancellationToken)
    {
        var parts = SqlAlchemyUri.Parse(uri);
        if (string.IsNullOrWhiteSpace(name)) throw new BiWorkspaceException("database_name: give the connection a name.", "Add database_name.");
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ipai_bi_workspace (tenant_code, name) VALUES (@tenantCode, @tenantCode) ON CONFLICT (tenant_code) DO NOTHING",
            new { tenantCode }, cancellationToken: cancellationToken));
        try
        {
            return await connection.QuerySingleAsync<BiDatabase>(new CommandDefinition($"""
                INSERT INTO ipai_bi_database (tenant_code, database_name, host, port, database, username, password, options, ssl_mode)
                VALUES (@tenantCode, @name, @Host, @Port, @Database, @Username, @Password, @Options, @SslMode)
                RETURNING {Columns}
                """, new { tenantCode, name, parts.Host, parts.Port, parts.Database, parts.Username, parts.Password, parts.Options, parts.SslMode }, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new BiWorkspaceException($"A database named '{Sql.Printable(name)}' already exists.", "Use it (GET /api/v1/database/?q=…), or another name.");
        }
    }

    /// <summary>Changes name and URI; a URI whose password is Superset's mask keeps the stored password.</summary>
    public async Task<BiDatabase?> UpdateAsync(string tenantCode, long id, string? name, string? uri, CancellationToken cancellationToken)
    {
        var parts = uri is null ? default : SqlAlchemyUri.Parse(uri);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BiDatabase>(new CommandDefinition($"""
            UPDATE ipai_bi_database SET
                database_name = coalesce(@name, database_name),
                host = CASE WHEN @hasUri THEN @Host ELSE host END, port = CASE WHEN @hasUri THEN @Port ELSE port END,
                database = CASE WHEN @hasUri THEN @Database ELSE database END, username = CASE WHEN @hasUri THEN @Username ELSE username END,
                password = CASE WHEN @hasUri AND @Password <> @mask THEN @Password ELSE password END,
                options = CASE WHEN @hasUri THEN @Options ELSE options END, ssl_mode = CASE WHEN @hasUri THEN @SslMode ELSE ssl_mode END,
                changed_at = now()
            WHERE tenant_code = @tenantCode AND id = @id
            RETURNING {Columns}
            """, new
        {
            tenantCode, id, name, hasUri = uri is not null, parts.Host, Port = uri is null ? 0 : parts.Port, parts.Database, parts.Username,
            Password = parts.Password ?? "", parts.Options, SslMode = parts.SslMode ?? "prefer", mask = SqlAlchemyUri.Mask,
        }, cancellationToken: cancellationToken));
    }

    public async Task<BiDatabase?> GetAsync(string tenantCode, long id, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BiDatabase>(new CommandDefinition(
            $"SELECT {Columns} FROM ipai_bi_database WHERE tenant_code = @tenantCode AND id = @id", new { tenantCode, id }, cancellationToken: cancellationToken));
    }

    /// <summary>The workspace's connections, by id; only the one named <paramref name="name"/> when given.</summary>
    public async Task<IReadOnlyList<BiDatabase>> ListAsync(string tenantCode, string? name, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<BiDatabase>(new CommandDefinition(
            $"SELECT {Columns} FROM ipai_bi_database WHERE tenant_code = @tenantCode AND (@name::text IS NULL OR database_name = @name) ORDER BY id",
            new { tenantCode, name }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>An open session over connection <paramref name="databaseId"/> (Npgsql pools them per connection string).</summary>
    public async Task<NpgsqlConnection> OpenAsync(string tenantCode, long databaseId, CancellationToken cancellationToken)
    {
        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var row = await platform.QuerySingleOrDefaultAsync<(string Host, int Port, string Database, string Username, string Password, string? Options, string SslMode)>(new CommandDefinition(
            "SELECT host, port, database, username, password, options, ssl_mode FROM ipai_bi_database WHERE tenant_code = @tenantCode AND id = @databaseId",
            new { tenantCode, databaseId }, cancellationToken: cancellationToken));
        if (row.Host is null) throw new BiWorkspaceException($"Database connection {databaseId} does not exist in this workspace.", "Make it again (POST /api/v1/database/).");
        return await OpenAsync(row, cancellationToken);
    }

    /// <summary>Superset's test_connection: opens a session over <paramref name="uri"/> and runs <c>SELECT 1</c>.</summary>
    public async Task TestAsync(string uri, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(SqlAlchemyUri.Parse(uri), cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>The columns of <paramref name="schema"/>.<paramref name="relation"/> as that connection's login sees the catalogue; plain names only.</summary>
    public async Task<IReadOnlyList<DatasetColumn>> ColumnsAsync(string tenantCode, long databaseId, string schema, string relation, CancellationToken cancellationToken) =>
        await FindColumnsAsync(tenantCode, databaseId, schema, relation, cancellationToken)
            ?? throw new BiWorkspaceException($"The table {Sql.Printable(schema)}.{Sql.Printable(relation)} does not exist over that connection (or its login may not see it).",
                "Check the schema and table name, and that the connection's login has USAGE on the schema.");

    /// <summary>The live columns of a dataset over a connection (the dataset refresh); null when its relation is gone.</summary>
    public Task<IReadOnlyList<DatasetColumn>?> FindColumnsAsync(Dataset dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return FindColumnsAsync(dataset.TenantCode, dataset.DatabaseId!.Value, dataset.SchemaName!, dataset.Relation, cancellationToken);
    }

    private async Task<IReadOnlyList<DatasetColumn>?> FindColumnsAsync(string tenantCode, long databaseId, string schema, string relation, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(tenantCode, databaseId, cancellationToken);
        return BiWorkspaceInstaller.Plain(await connection.QueryAsync<(string? Name, string? Type)>(new CommandDefinition(BiWorkspaceInstaller.CatalogueColumns,
            new { schema, relation }, cancellationToken: cancellationToken)));
    }

    private async Task<NpgsqlConnection> OpenAsync((string Host, int Port, string Database, string Username, string Password, string? Options, string SslMode) c, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = c.Host, Port = c.Port, Database = c.Database, Username = c.Username, Password = c.Password, Options = c.Options,
            SslMode = c.SslMode switch { "disable" => SslMode.Disable, "require" => SslMode.Require, "verify-ca" => SslMode.VerifyCA, "verify-full" => SslMode.VerifyFull, _ => SslMode.Prefer },
            ApplicationName = "ipai-bi-connection",
            Timeout = 10,
            CommandTimeout = options.Value.ChartTimeoutSeconds + 5,
            MaxPoolSize = 20,
        };
        var connection = new NpgsqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw new BiWorkspaceException($"Cannot connect to {Sql.Printable(c.Host)}:{c.Port}/{Sql.Printable(c.Database)} as {Sql.Printable(c.Username)}: {PostgresErrors.Describe(e)}",
                "Check the connection's host, port, database, login and password, and that this BI host may reach that server.");
        }
    }
}
