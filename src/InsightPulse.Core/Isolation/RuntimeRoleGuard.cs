using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Isolation;

/// <summary>
/// Refuses a runtime (or BI) role that could escape row-level security: a superuser, a role with BYPASSRLS, a member
/// of such a role, or a role that owns (or is a member of the owner of) an object in a tenant database or schema —
/// owners may disable or drop policies. The web host calls <see cref="EnsureSafeAsync"/> before serving;
/// <see cref="TenantDataAccess"/> calls it before the first unit of work. A tenant database that is missing or does not
/// answer is not a problem of the role: it is skipped and named in <see cref="RuntimeRoleCheck.Unreachable"/> (the
/// role cannot reach it either), so one tenant's database never keeps a node from starting.
/// </summary>
public sealed class RuntimeRoleGuard(PlatformDatabases databases, TenantRegistry registry)
{
    /// <summary>Throws <see cref="RuntimeRoleUnsafeException"/> naming each problem and its fix; else what was checked.</summary>
    public async Task<RuntimeRoleCheck> EnsureSafeAsync(string role, CancellationToken cancellationToken)
    {
        var check = await CheckAsync(role, cancellationToken);
        if (check.Problems.Count == 0) return check;
        throw new RuntimeRoleUnsafeException(
            $"Role {role} must not be able to bypass row-level security, but: {string.Join(" ", check.Problems)}")
        {
            Problems = check.Problems,
        };
    }

    /// <summary>
    /// Throws <see cref="RuntimeRoleUnsafeException"/> when <paramref name="role"/> is a superuser, has BYPASSRLS or is a
    /// member of such a role on fleet server <paramref name="server"/> (a server added after the full check at start).
    /// </summary>
    public async Task EnsureSafeOnAsync(string role, string server, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
        var problems = await AttributeProblemsAsync(connection, role, cancellationToken);
        if (problems.Count == 0) return;
        throw new RuntimeRoleUnsafeException($"Role {role} must not be able to bypass row-level security, but on server {server}: {string.Join(" ", problems)}")
        {
            Problems = problems,
        };
    }

    /// <summary>Each reason <paramref name="role"/> could bypass row-level security, with its fix; empty when safe.</summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync(string role, CancellationToken cancellationToken) =>
        (await CheckAsync(role, cancellationToken)).Problems;

    /// <summary>The problems of <paramref name="role"/>, and the tenant databases that could not be checked.</summary>
    public async Task<RuntimeRoleCheck> CheckAsync(string role, CancellationToken cancellationToken)
    {
        var quoted = Sql.Identifier(role);
        var problems = new List<string>();
        var unreachable = new List<UnreachableDatabase>();
        var tenants = await registry.ListAsync(cancellationToken);
        var stores = TenantStoreRef.Of(tenants, databases.Environment);
        // Each server the stores live on, home first (the shared data database): the role's attributes there, and
        // which of its databases take connections.
        foreach (var server in stores.Select(s => s.Server).Prepend(FleetServer.Home).Distinct(StringComparer.Ordinal))
        {
            var serverStores = stores.Where(s => s.Server == server).ToList();
            HashSet<string> connectable;
            try
            {
                await using var connection = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
                var attributes = await AttributeProblemsAsync(connection, role, cancellationToken);
                problems.AddRange(server == FleetServer.Home ? attributes : attributes.Select(p => $"on server {server}, {p}"));
                // Asked first, so that a missing database costs nothing: through a pooler, a login to one waits for its timeout.
                connectable = (await connection.QueryAsync<string>(new CommandDefinition(
                    "SELECT datname FROM pg_database WHERE datallowconn", cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
            }
            catch (Exception e) when (server != FleetServer.Home && TenantDatabaseUnavailableException.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                // A server that does not answer: its tenants are unavailable, the node still starts.
                foreach (var database in serverStores.GroupBy(s => s.Database, StringComparer.Ordinal))
                {
                    unreachable.Add(new UnreachableDatabase(database.Key, [.. database.SelectMany(s => s.Tenants).Distinct(StringComparer.Ordinal)],
                        $"server {server} does not answer: {PostgresErrors.Describe(e)}"));
                }
                continue;
            }
            if (problems.Count > 0 && problems[^1].Contains("does not exist", StringComparison.Ordinal)) return new RuntimeRoleCheck(problems, unreachable);
            // One catalogue query per database, for all of its stores (a fleet of schema tenants is one query, not one per tenant).
            foreach (var database in serverStores.GroupBy(s => s.Database, StringComparer.Ordinal))
            {
                await CheckDatabaseAsync(server, database.Key, [.. database], connectable, role, quoted, problems, unreachable, cancellationToken);
            }
        }
        return new RuntimeRoleCheck(problems, unreachable);
    }

    /// <summary>The objects of one database's stores that <paramref name="role"/> owns (problems), or why the database could not be checked.</summary>
    private async Task CheckDatabaseAsync(string server, string database, IReadOnlyList<TenantStoreRef> stores, HashSet<string> connectable, string role, string quoted,
        List<string> problems, List<UnreachableDatabase> unreachable, CancellationToken cancellationToken)
    {
        var codes = stores.SelectMany(s => s.Tenants).Distinct(StringComparer.Ordinal).ToArray();
        if (!connectable.Contains(database))
        {
            unreachable.Add(new UnreachableDatabase(database, codes, $"database {database} does not exist (or takes no connections)"));
            return;
        }
        IReadOnlyList<OwnedObject> owned;
        try
        {
            await using var connection = await databases.GetAsOwner(server, database).OpenConnectionAsync(cancellationToken);
            owned = await OwnedObjectsAsync(connection, [.. stores.Select(s => s.Schema).Distinct(StringComparer.Ordinal)], stores.Any(s => s.Kind == TenantStore.Database), [role], cancellationToken);
        }
        catch (Exception e) when (!databases.Environment.IsData(server, database) && TenantDatabaseUnavailableException.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            unreachable.Add(new UnreachableDatabase(database, codes, PostgresErrors.Describe(e)));
            await databases.ForgetTenantDatabaseAsync(server, database);
            return;
        }
        // A check over hundreds of tenant databases must not leave a pool (and its idle connections) per database.
        await databases.ForgetTenantDatabaseAsync(server, database);
        foreach (var o in owned)
        {
            problems.Add($"it owns (or is a member of {o.Owner}, the owner of) {o.Kind} {o.Name} in {database}; " +
                (o.Owner == role
                    ? $"fix: `ALTER {o.Kind.ToUpperInvariant()} {o.Name} OWNER TO <owner role>;` (the owner role runs migrations, the runtime role owns nothing)."
                    : $"fix: `REVOKE {Sql.Identifier(o.Owner)} FROM {quoted};`."));
        }
    }

    /// <summary>Superuser, BYPASSRLS, or membership in a role that is either.</summary>
    internal static async Task<IReadOnlyList<string>> AttributeProblemsAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        var quoted = Sql.Identifier(role);
        var attributes = await connection.QuerySingleOrDefaultAsync<(bool Super, bool Bypass)?>(new CommandDefinition(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = @role", new { role }, cancellationToken: cancellationToken));
        if (attributes is not { } a) return [$"role {role} does not exist: run `./ipai up` to create it."];
        var problems = new List<string>();
        if (a.Super) problems.Add($"it is a superuser (superusers bypass every policy); fix: `ALTER ROLE {quoted} NOSUPERUSER;`.");
        if (a.Bypass) problems.Add($"it has BYPASSRLS; fix: `ALTER ROLE {quoted} NOBYPASSRLS;`.");
        var strong = await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT r.rolname FROM pg_roles r
            WHERE r.rolname <> @role AND (r.rolsuper OR r.rolbypassrls) AND pg_has_role(@role, r.oid, 'MEMBER')
            ORDER BY r.rolname
            """, new { role }, cancellationToken: cancellationToken));
        foreach (var other in strong)
        {
            problems.Add($"it is a member of {other}, which bypasses row-level security (SET ROLE {other}); fix: `REVOKE {Sql.Identifier(other)} FROM {quoted};`.");
        }
        return problems;
    }

    /// <summary>
    /// An owned object: kind (schema, table, view, sequence, function, database), qualified name, owning role; owned by
    /// <paramref name="Role"/>, or by <paramref name="Owner"/>, of which <paramref name="Role"/> is a member.
    /// </summary>
    internal sealed record OwnedObject(string Kind, string Name, string Owner, string Role);

    /// <summary>Which of the runtime roles (<see cref="PlatformOptions.RuntimeRoles"/>) exist on the server, by name.</summary>
    internal static async Task<IReadOnlyList<string>> ExistingRuntimeRolesAsync(NpgsqlConnection connection, PlatformOptions names, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY (@roles) ORDER BY rolname", new { roles = names.RuntimeRoles() }, cancellationToken: cancellationToken))).ToArray();

    /// <summary>The schema of <c>ipai.current_tenant_id()</c>, checked with every store: who owns it can replace the function every policy calls.</summary>
    private const string ContextSchema = "ipai";

    /// <summary>Objects of a store owned by one of <paramref name="roles"/> or by a role it is a member of (one query).</summary>
    internal static Task<IReadOnlyList<OwnedObject>> OwnedObjectsAsync(NpgsqlConnection connection, TenantStoreRef store, IReadOnlyList<string> roles, CancellationToken cancellationToken) =>
        OwnedObjectsAsync(connection, [store.Schema], store.Kind == TenantStore.Database, roles, cancellationToken);

    /// <summary>Objects of the schemas <paramref name="schemas"/> of one database (and the database itself when <paramref name="isDatabase"/>) owned by one of <paramref name="roles"/> or a role it is a member of.</summary>
    private static async Task<IReadOnlyList<OwnedObject>> OwnedObjectsAsync(NpgsqlConnection connection, string[] schemas, bool isDatabase, IReadOnlyList<string> roles, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<OwnedObject>(new CommandDefinition($$"""
            WITH {{IsolationLint.SchemaRelations}}
            SELECT kind, name, owner, role FROM (
                SELECT 'schema' AS kind, quote_ident(n.nspname) AS name, n.nspowner AS owner_oid
                FROM pg_namespace n WHERE n.nspname = ANY (@schemas) AND n.nspname <> 'public'
                UNION ALL
                SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                            WHEN 'f' THEN 'foreign table' ELSE 'table' END,
                       quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relowner
                FROM schema_relations r JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                UNION ALL
                SELECT 'function', quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.proowner
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = ANY (@schemas)
                UNION ALL
                SELECT 'database', quote_ident(d.datname), d.datdba
                FROM pg_database d WHERE d.datname = current_database() AND @isDatabase
            ) o
            CROSS JOIN LATERAL (SELECT pg_get_userbyid(o.owner_oid) AS owner) w
            CROSS JOIN unnest(@roles::text[]) AS role
            WHERE pg_has_role(role, o.owner_oid, 'MEMBER')
            ORDER BY role, kind, name
            """, new { schemas = schemas.Append(ContextSchema).Distinct(StringComparer.Ordinal).ToArray(), roles = roles.ToArray(), isDatabase }, cancellationToken: cancellationToken))).ToList();
}
