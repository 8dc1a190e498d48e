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

    /// <summary>Each reason <paramref name="role"/> could bypass row-level security, with its fix; empty when safe.</summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync(string role, CancellationToken cancellationToken) =>
        (await CheckAsync(role, cancellationToken)).Problems;

    /// <summary>The problems of <paramref name="role"/>, and the tenant databases that could not be checked.</summary>
    public async Task<RuntimeRoleCheck> CheckAsync(string role, CancellationToken cancellationToken)
    {
        var quoted = Sql.Identifier(role);
        var problems = new List<string>();
        var unreachable = new List<UnreachableDatabase>();
        HashSet<string> connectable;
        await using (var connection = await databases.Data.OpenConnectionAsync(cancellationToken))
        {
            problems.AddRange(await AttributeProblemsAsync(connection, role, cancellationToken));
            // Asked first, so that a missing database costs nothing: through a pooler, a login to one waits for its timeout.
            connectable = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT datname FROM pg_database WHERE datallowconn", cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        }
        if (problems.Count > 0 && problems[0].Contains("does not exist", StringComparison.Ordinal)) return new RuntimeRoleCheck(problems, unreachable);
        var tenants = await registry.ListAsync(cancellationToken);
        // One catalogue query per database, for all of its stores (a fleet of schema tenants is one query, not one per tenant).
        foreach (var stores in TenantStoreRef.Of(tenants, databases.Environment.DataDatabase).GroupBy(s => s.Database, StringComparer.Ordinal))
        {
            var codes = stores.SelectMany(s => s.Tenants).Distinct(StringComparer.Ordinal).ToArray();
            if (!connectable.Contains(stores.Key))
            {
                unreachable.Add(new UnreachableDatabase(stores.Key, codes, $"database {stores.Key} does not exist (or takes no connections)"));
                continue;
            }
            IReadOnlyList<OwnedObject> owned;
            try
            {
                await using var connection = await databases.Get(stores.Key, databases.Environment.Owner).OpenConnectionAsync(cancellationToken);
                owned = await OwnedObjectsAsync(connection, [.. stores.Select(s => s.Schema).Distinct(StringComparer.Ordinal)], stores.Any(s => s.Kind == TenantStore.Database), role, cancellationToken);
            }
            catch (Exception e) when (stores.Key != databases.Environment.DataDatabase && TenantDatabaseUnavailableException.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                unreachable.Add(new UnreachableDatabase(stores.Key, codes, PostgresErrors.Describe(e)));
                await databases.ForgetTenantDatabaseAsync(stores.Key);
                continue;
            }
            // A check over hundreds of tenant databases must not leave a pool (and its idle connections) per database.
            await databases.ForgetTenantDatabaseAsync(stores.Key);
            foreach (var o in owned)
            {
                problems.Add($"it owns (or is a member of {o.Owner}, the owner of) {o.Kind} {o.Name} in {stores.Key}; " +
                    (o.Owner == role
                        ? $"fix: `ALTER {o.Kind.ToUpperInvariant()} {o.Name} OWNER TO <owner role>;` (the owner role runs migrations, the runtime role owns nothing)."
                        : $"fix: `REVOKE {Sql.Identifier(o.Owner)} FROM {quoted};`."));
            }
        }
        return new RuntimeRoleCheck(problems, unreachable);
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

    /// <summary>An owned object: kind (schema, table, view, sequence, function, database), qualified name, owning role.</summary>
    internal sealed record OwnedObject(string Kind, string Name, string Owner);

    /// <summary>Which of the runtime roles (<see cref="PlatformOptions.RuntimeRoles"/>) exist on the server, by name.</summary>
    internal static async Task<IReadOnlyList<string>> ExistingRuntimeRolesAsync(NpgsqlConnection connection, PlatformOptions names, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY (@roles) ORDER BY rolname", new { roles = names.RuntimeRoles() }, cancellationToken: cancellationToken))).ToArray();

    /// <summary>The schema of <c>ipai.current_tenant_id()</c>, checked with every store: who owns it can replace the function every policy calls.</summary>
    private const string ContextSchema = "ipai";

    /// <summary>Objects of a store owned by <paramref name="role"/> or by a role it is a member of.</summary>
    internal static Task<IReadOnlyList<OwnedObject>> OwnedObjectsAsync(NpgsqlConnection connection, TenantStoreRef store, string role, CancellationToken cancellationToken) =>
        OwnedObjectsAsync(connection, [store.Schema], store.Kind == TenantStore.Database, role, cancellationToken);

    /// <summary>Objects of the schemas <paramref name="schemas"/> of one database (and the database itself when <paramref name="isDatabase"/>) owned by <paramref name="role"/> or a role it is a member of.</summary>
    private static async Task<IReadOnlyList<OwnedObject>> OwnedObjectsAsync(NpgsqlConnection connection, string[] schemas, bool isDatabase, string role, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<OwnedObject>(new CommandDefinition($$"""
            WITH {{IsolationLint.SchemaRelations}}
            SELECT kind, name, owner FROM (
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
            WHERE pg_has_role(@role, o.owner_oid, 'MEMBER')
            ORDER BY kind, name
            """, new { schemas = schemas.Append(ContextSchema).Distinct(StringComparer.Ordinal).ToArray(), role, isDatabase }, cancellationToken: cancellationToken))).ToList();
}
