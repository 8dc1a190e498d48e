using System.Data.Common;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Events;
using Npgsql;

namespace InsightPulse.Core.Tenants;

/// <summary>The tenant registry (<c>ipai_tenant</c> in the platform database).</summary>
public sealed class TenantRegistry(PlatformDatabases databases)
{
    private const string Columns = """
        id, code, name, sequence, active, state, db_name, supabase_schema, primary_domain, superset_workspace,
        superset_base_url, company_name, industry, country, admin_email, admin_phone, onboarded_date, notes,
        create_date, write_date, server
        """;

    public Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken) =>
        ListWhereAsync("true", null, cancellationToken);

    /// <summary>
    /// The tenants that share a database or a schema with <paramref name="tenant"/> (itself included): those whose
    /// data lives in the same stores. Cheaper than the whole registry when there are thousands of tenants.
    /// </summary>
    public Task<IReadOnlyList<Tenant>> ListSharingStoresAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return ListWhereAsync("db_name = @DbName OR supabase_schema = @SupabaseSchema OR code = @Code",
            new { tenant.DbName, tenant.SupabaseSchema, tenant.Code }, cancellationToken);
    }

    private async Task<IReadOnlyList<Tenant>> ListWhereAsync(string condition, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
            $"SELECT {Columns} FROM ipai_tenant WHERE {condition} ORDER BY sequence, code", parameters, cancellationToken: cancellationToken));
        var tenants = new List<Tenant>();
        while (await reader.ReadAsync(cancellationToken)) tenants.Add(Read(reader));
        return tenants;
    }

    public async Task<Tenant?> FindAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await FindAsync(connection, null, code, forUpdate: false, cancellationToken);
    }

    /// <summary>The tenant with this code, or the seed's "Tenant code not found in ipai.tenant table".</summary>
    public async Task<Tenant> GetAsync(string code, CancellationToken cancellationToken) =>
        await FindAsync(code, cancellationToken) ?? throw new TenantNotFoundException(code);

    public async Task<Tenant> CreateAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        TenantRules.EnsureValid(tenant);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await EnsureNoConflictAsync(connection, transaction, tenant, cancellationToken);
        if (tenant.Server is not null) await EnsureServerTakesAsync(connection, transaction, tenant, cancellationToken);
        try
        {
            await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition($"""
                INSERT INTO ipai_tenant (code, name, sequence, active, state, db_name, supabase_schema, primary_domain,
                    superset_workspace, superset_base_url, company_name, industry, country, admin_email, admin_phone,
                    onboarded_date, notes, server)
                VALUES (@Code, @Name, @Sequence, @Active, @StateText, @DbName, @SupabaseSchema, @PrimaryDomain,
                    @SupersetWorkspace, @SupersetBaseUrl, @CompanyName, @Industry, @Country, @AdminEmail, @AdminPhone,
                    @OnboardedDate, @Notes, @Server)
                RETURNING {Columns}
                """, Parameters(tenant), transaction, cancellationToken: cancellationToken));
            await reader.ReadAsync(cancellationToken);
            var created = Read(reader);
            await reader.DisposeAsync();
            await transaction.CommitAsync(cancellationToken);
            return created;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation)
        {
            // Lost a race with another writer between our check and the insert.
            throw new TenantConflictException($"Tenant '{tenant.Code}' conflicts with a tenant created at the same moment ({e.ConstraintName}): run `./ipai tenant list` and try again.", e);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the stored tenant and saves it, under a row lock.</summary>
    public Task<Tenant> UpdateAsync(string code, Func<Tenant, Tenant> change, CancellationToken cancellationToken) =>
        UpdateAsync(code, change, null, null, cancellationToken);

    private async Task<Tenant> UpdateAsync(string code, Func<Tenant, Tenant> change, string? schemaChange, string? checksum, CancellationToken cancellationToken, bool allowServerChange = false)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await FindAsync(connection, transaction, code, forUpdate: true, cancellationToken)
            ?? throw new TenantNotFoundException(code);
        var updated = change(current) with { Id = current.Id, Code = current.Code, CreateDate = current.CreateDate };
        TenantRules.EnsureValid(updated);
        if (current.State != TenantState.Draft && (updated.DbName != current.DbName || updated.SupabaseSchema != current.SupabaseSchema))
        {
            throw new TenantValidationException([new ValidationError(
                updated.DbName != current.DbName ? "db_name" : "supabase_schema",
                $"tenant '{code}' is {TenantLifecycle.ToText(current.State)}: its database and schema are fixed once provisioning started.")]);
        }
        if (current.State != TenantState.Draft && updated.Server != current.Server && !allowServerChange)
        {
            throw new TenantValidationException([new ValidationError("server",
                $"tenant '{code}' is {TenantLifecycle.ToText(current.State)} on server {current.Server}: move it with `./ipai tenant move {code} --to SERVER`.")]);
        }
        if (updated.Server is not null && updated.Server != current.Server) await EnsureServerTakesAsync(connection, transaction, updated, cancellationToken);
        if (updated.State != current.State) TenantLifecycle.EnsureCanMove(current.Code, current.State, updated.State);
        await EnsureNoConflictAsync(connection, transaction, updated, cancellationToken);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition($"""
            UPDATE ipai_tenant SET name = @Name, sequence = @Sequence, active = @Active, state = @StateText,
                db_name = @DbName, supabase_schema = @SupabaseSchema, primary_domain = @PrimaryDomain,
                superset_workspace = @SupersetWorkspace, superset_base_url = @SupersetBaseUrl,
                company_name = @CompanyName, industry = @Industry, country = @Country, admin_email = @AdminEmail,
                admin_phone = @AdminPhone, onboarded_date = @OnboardedDate, notes = @Notes, server = @Server, write_date = now()
            WHERE id = @Id
            RETURNING {Columns}
            """, Parameters(updated), transaction, cancellationToken: cancellationToken));
        await reader.ReadAsync(cancellationToken);
        var saved = Read(reader);
        await reader.DisposeAsync();
        if (schemaChange is not null)
        {
            await SchemaEventOutbox.WriteLifecycleAsync(connection, transaction, schemaChange, saved.Code, saved.DbName, saved.SupabaseSchema,
                checksum, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return saved;
    }

    /// <summary>Active → suspended: its sites answer 403, its data is kept. Suspending a suspended tenant changes nothing; the platform tenant is refused.</summary>
    public Task<Tenant> SuspendAsync(string code, CancellationToken cancellationToken) =>
        MoveAsync(code, from: TenantState.Active, to: TenantState.Suspended, "suspend", cancellationToken);

    /// <summary>Suspended → active. Resuming an active tenant changes nothing; any other state is refused (a provisioning run decides those).</summary>
    public Task<Tenant> ResumeAsync(string code, CancellationToken cancellationToken) =>
        MoveAsync(code, from: TenantState.Suspended, to: TenantState.Active, "resume", cancellationToken);

    /// <summary>Moves <paramref name="from"/> → <paramref name="to"/> under the row lock; already there is fine.</summary>
    private Task<Tenant> MoveAsync(string code, TenantState from, TenantState to, string verb, CancellationToken cancellationToken) =>
        UpdateAsync(code, t => t.State == from || t.State == to
            ? t with { State = to }
            : throw new InvalidTenantStateException(
                $"Tenant '{t.Code}' is {TenantLifecycle.ToText(t.State)}: {verb} applies to {TenantLifecycle.ToText(from)} tenants only."),
            cancellationToken);

    /// <summary>Moves a tenant along its lifecycle; an illegal move throws <see cref="InvalidTenantStateException"/>.</summary>
    public Task<Tenant> SetStateAsync(string code, TenantState state, CancellationToken cancellationToken) =>
        UpdateAsync(code, t => t with { State = state }, null, null, cancellationToken);

    /// <summary>
    /// Moves a tenant along its lifecycle and writes its <c>schema_changed</c> event (<paramref name="schemaChange"/>:
    /// provisioned, restored, archived; <paramref name="checksum"/>: the fingerprint of the scripts its stores now hold)
    /// in the same transaction: the event exists if and only if the move committed.
    /// </summary>
    public Task<Tenant> SetStateAsync(string code, TenantState state, string schemaChange, string? checksum, CancellationToken cancellationToken) =>
        UpdateAsync(code, t => t with { State = state }, schemaChange, checksum, cancellationToken);

    /// <summary>
    /// Removes an archived tenant's record (and with it its journal and ledgers). Only an archived tenant: its
    /// database and schema are gone, so nothing is orphaned.
    /// </summary>
    public async Task DeleteAsync(string code, CancellationToken cancellationToken)
    {
        var tenant = await GetAsync(code, cancellationToken);
        if (tenant.State != TenantState.Archived)
        {
            throw new InvalidTenantStateException($"Tenant '{code}' is {TenantLifecycle.ToText(tenant.State)}: deprovision it before deleting its record.");
        }
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ipai_tenant WHERE code = @code AND state = 'archived'", new { code }, cancellationToken: cancellationToken));
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await databases.Platform.OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName)
        {
            throw new PlatformNotReadyException(
                $"The platform database '{databases.Environment.PlatformDatabase}' does not exist on {databases.Environment.Description}: run `make up` (or `./ipai up --no-serve`).", e);
        }
    }

    private static async Task<Tenant?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string code, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
            $"SELECT {Columns} FROM ipai_tenant WHERE code = @code{(forUpdate ? " FOR UPDATE" : "")}",
            new { code }, transaction, cancellationToken: cancellationToken));
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Refuses to place a tenant on a server that is not in the fleet or is draining (under the server row's share
    /// lock, so that a <c>server drain</c> committing meanwhile waits for this placement, and then sees it).
    /// </summary>
    private static async Task EnsureServerTakesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Tenant tenant, CancellationToken cancellationToken)
    {
        var server = tenant.Server!;
        if (tenant.DbName == PlatformOptions.PlatformDatabase && server != FleetServer.Home)
        {
            throw new TenantValidationException([new ValidationError("server",
                $"tenant '{tenant.Code}' keeps its database rows in the platform database {PlatformOptions.PlatformDatabase}, which lives on the home server: it cannot be placed on {server}.")]);
        }
        var state = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM ipai_server WHERE name = @server FOR SHARE", new { server }, transaction, cancellationToken: cancellationToken));
        if (state is null)
        {
            throw new TenantValidationException([new ValidationError("server", UnknownServerException.Of(server).Message)]);
        }
        if (state != "active")
        {
            throw new TenantValidationException([new ValidationError("server",
                $"server {server} is {state}: it takes no new tenant. Choose another (`./ipai server list`), or leave --server out to place the tenant on the least loaded one.")]);
        }
    }

    /// <summary>
    /// Places a draft on <paramref name="server"/> (its first provisioning run does, before it creates anything), under the row lock.
    /// A tenant already placed keeps its server.
    /// </summary>
    public Task<Tenant> PlaceAsync(string code, string server, CancellationToken cancellationToken) =>
        UpdateAsync(code, t => t.Server is null ? t with { Server = server } : t, null, null, cancellationToken);

    /// <summary>Records that <paramref name="code"/>'s database now lives on <paramref name="server"/> (the cut-over of <c>tenant move</c>).</summary>
    public Task<Tenant> SwitchServerAsync(string code, string server, CancellationToken cancellationToken) =>
        UpdateAsync(code, t => t with { Server = server }, null, null, cancellationToken, allowServerChange: true);

    /// <summary>Refuses a code, domain, schema or own database that another tenant holds, naming that tenant.</summary>
    private static async Task EnsureNoConflictAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Tenant tenant, CancellationToken cancellationToken)
    {
        var others = await connection.QueryAsync<(string Code, string Name, string? PrimaryDomain, string SupabaseSchema, string DbName)>(new CommandDefinition("""
            SELECT code, name, primary_domain, supabase_schema, db_name FROM ipai_tenant
            WHERE id <> @Id AND (code = @Code OR primary_domain = @PrimaryDomain OR supabase_schema = @SupabaseSchema
                OR (db_name = @DbName AND db_name <> 'odoo_platform'))
            ORDER BY code
            """, new { tenant.Id, tenant.Code, tenant.PrimaryDomain, tenant.SupabaseSchema, tenant.DbName }, transaction, cancellationToken: cancellationToken));
        foreach (var other in others)
        {
            var holder = $"tenant [{other.Code}] {other.Name}";
            if (other.Code == tenant.Code)
                throw new TenantConflictException($"Tenant code '{tenant.Code}' already exists ({holder}): choose another code, or change it with `./ipai tenant update {tenant.Code} …`.");
            if (other.PrimaryDomain == tenant.PrimaryDomain)
                throw new TenantConflictException($"Domain '{tenant.PrimaryDomain}' is already the primary domain of {holder}: each domain routes to one tenant.");
            if (other.SupabaseSchema == tenant.SupabaseSchema)
                throw new TenantConflictException($"Schema '{tenant.SupabaseSchema}' already belongs to {holder}: give this tenant its own schema (--schema).");
            throw new TenantConflictException($"Database '{tenant.DbName}' already belongs to {holder}: give this tenant its own database (--db-name).");
        }
    }

    private static object Parameters(Tenant t) => new
    {
        t.Id, t.Code, t.Name, t.Sequence, t.Active, StateText = TenantLifecycle.ToText(t.State), t.DbName, t.SupabaseSchema,
        t.PrimaryDomain, t.SupersetWorkspace, t.SupersetBaseUrl, t.CompanyName, t.Industry, t.Country, t.AdminEmail,
        t.AdminPhone, t.OnboardedDate, t.Notes, t.Server,
    };

    private static Tenant Read(DbDataReader r) => new()
    {
        Id = r.GetInt64(r.GetOrdinal("id")),
        Code = r.GetString(r.GetOrdinal("code")),
        Name = r.GetString(r.GetOrdinal("name")),
        Sequence = r.GetInt32(r.GetOrdinal("sequence")),
        Active = r.GetBoolean(r.GetOrdinal("active")),
        State = TenantLifecycle.Parse(r.GetString(r.GetOrdinal("state"))),
        DbName = r.GetString(r.GetOrdinal("db_name")),
        SupabaseSchema = r.GetString(r.GetOrdinal("supabase_schema")),
        PrimaryDomain = Nullable(r, "primary_domain"),
        SupersetWorkspace = Nullable(r, "superset_workspace"),
        SupersetBaseUrl = Nullable(r, "superset_base_url"),
        CompanyName = Nullable(r, "company_name"),
        Industry = r.GetString(r.GetOrdinal("industry")),
        Country = r.GetString(r.GetOrdinal("country")),
        AdminEmail = Nullable(r, "admin_email"),
        AdminPhone = Nullable(r, "admin_phone"),
        OnboardedDate = r.GetFieldValue<DateOnly>(r.GetOrdinal("onboarded_date")),
        Notes = Nullable(r, "notes"),
        CreateDate = r.GetFieldValue<DateTimeOffset>(r.GetOrdinal("create_date")),
        WriteDate = r.GetFieldValue<DateTimeOffset>(r.GetOrdinal("write_date")),
        Server = Nullable(r, "server"),
    };

    private static string? Nullable(DbDataReader r, string column)
    {
        var ordinal = r.GetOrdinal(column);
        return r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
    }
}
