using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Servers;

/// <summary>
/// The platform's roles on one PostgreSQL server, made through an admin connection (<c>up</c> at home, <c>server add</c>
/// elsewhere): the owner (not a superuser, so FORCE'd RLS binds it too; CREATEDB for tenant databases), the runtime and
/// BI roles (log in, own nothing, never bypass RLS) and the operator's reading role. Every server gets the same
/// passwords, from the secrets in <c>.ipai/secrets/</c>, so that a node reaches any server with one set of secrets.
/// </summary>
public static class ServerRoles
{
    public const string LoginAttributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT";
    public const string OwnerAttributes = "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS";

    /// <summary>
    /// Creates the missing roles among <paramref name="roles"/> with their secret's password; a role whose secret was
    /// created just now (lost, or a new server: <paramref name="resetExisting"/>) gets it as its password. Returns what it did.
    /// </summary>
    public static async Task<IReadOnlyList<string>> EnsureAsync(NpgsqlConnection admin, SecretStore secrets, IEnumerable<(string Role, string Attributes)> roles,
        bool resetExisting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(roles);
        var acted = new List<string>();
        bool? superuser = null;
        foreach (var (role, attributes) in roles)
        {
            var (password, created) = secrets.GetOrCreate(PlatformEnvironment.RoleSecret(role));
            if (!await ExistsAsync(admin, role, cancellationToken))
            {
                await admin.ExecuteAsync(new CommandDefinition(
                    $"CREATE ROLE {Sql.Identifier(role)} {attributes} PASSWORD {Sql.Literal(ScramVerifier.Create(password))}", cancellationToken: cancellationToken));
                acted.Add($"created {role}");
            }
            else if (created || resetExisting)
            {
                // The secret was lost (e.g. .ipai/secrets deleted), or the server is new to the fleet: the secret becomes the role's password.
                superuser ??= await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken: cancellationToken));
                await admin.ExecuteAsync(new CommandDefinition(
                    $"ALTER ROLE {Sql.Identifier(role)} {AlterableAttributes(attributes, superuser.Value)} PASSWORD {Sql.Literal(ScramVerifier.Create(password))}",
                    cancellationToken: cancellationToken));
                acted.Add($"set the password of {role}");
            }
        }
        return acted;
    }

    /// <summary>
    /// <paramref name="attributes"/> as <paramref name="superuser"/> may set them on an existing role: PostgreSQL lets only a
    /// superuser name SUPERUSER, REPLICATION or BYPASSRLS in <c>ALTER ROLE</c>, even to turn them off, so an admin with
    /// CREATEROLE (an RDS-style master user, the tests' owner) leaves those out; the runtime-role guard refuses a role
    /// that has any of them.
    /// </summary>
    public static string AlterableAttributes(string attributes, bool superuser)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (superuser) return attributes;
        string[] superuserOnly = ["SUPERUSER", "NOSUPERUSER", "REPLICATION", "NOREPLICATION", "BYPASSRLS", "NOBYPASSRLS"];
        return string.Join(' ', attributes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(a => !superuserOnly.Contains(a, StringComparer.Ordinal)));
    }

    /// <summary>
    /// The operator's reading role (see <see cref="PlatformOptions.OperatorRole"/>), granted to <paramref name="owner"/>;
    /// true when created or granted now. A role of that name made before (by a DBA, or another platform on the server)
    /// is granted as it is.
    /// </summary>
    public static async Task<bool> EnsureOperatorRoleAsync(NpgsqlConnection admin, PlatformOptions names, string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var role = names.OperatorRole;
        if (await ExistsAsync(admin, role, cancellationToken))
        {
            if (await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT pg_has_role(@owner, @role, 'MEMBER')", new { owner, role }, cancellationToken: cancellationToken)))
            {
                return false;
            }
            await admin.ExecuteAsync(new CommandDefinition($"GRANT {Sql.Identifier(role)} TO {Sql.Identifier(owner)}", cancellationToken: cancellationToken));
            return true;
        }
        await admin.ExecuteAsync(new CommandDefinition($"""
            CREATE ROLE {Sql.Identifier(role)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
            GRANT pg_read_all_data TO {Sql.Identifier(role)};
            GRANT {Sql.Identifier(role)} TO {Sql.Identifier(owner)};
            """, cancellationToken: cancellationToken));
        return true;
    }

    /// <summary>
    /// Lets <paramref name="owner"/> end other roles' sessions (<c>pg_signal_backend</c>): <c>tenant move</c> ends the
    /// runtime roles' sessions on a database it freezes, and <c>DROP DATABASE … WITH (FORCE)</c> needs it. True when granted now.
    /// </summary>
    public static async Task<bool> EnsureSignalAsync(NpgsqlConnection admin, string owner, CancellationToken cancellationToken)
    {
        if (await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT pg_has_role(@owner, 'pg_signal_backend', 'MEMBER')", new { owner }, cancellationToken: cancellationToken)))
        {
            return false;
        }
        await admin.ExecuteAsync(new CommandDefinition($"GRANT pg_signal_backend TO {Sql.Identifier(owner)}", cancellationToken: cancellationToken));
        return true;
    }

    public static Task<bool> ExistsAsync(NpgsqlConnection admin, string role, CancellationToken cancellationToken) =>
        admin.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @role)", new { role }, cancellationToken: cancellationToken));
}
