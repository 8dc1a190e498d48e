using System.Text.RegularExpressions;
using Dapper;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Npgsql;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Users;

/// <summary>
/// A tenant's users (<c>res_users</c> in the tenant's database): sign-in with lockout, listing, creating. Every query
/// runs in a <see cref="TenantUnitOfWork"/> as the runtime role, so row-level security keeps each tenant to its own
/// users even where tenants share a database (platform and scout).
/// </summary>
public sealed partial class TenantUserDirectory(TenantDataAccess data, LockoutPolicy lockout, WebSessions sessions)
{
    public const int MinPasswordLength = 10;

    // Verified when the login is unknown, so that an unknown login takes as long as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => PasswordHash.Of(Guid.NewGuid().ToString("N")));

    private const string Columns = "id, login, name, email, active, is_admin AS IsAdmin, last_login AS LastLogin, " +
        "left(encode(sha256(convert_to(coalesce(password_hash, ''), 'UTF8')), 'hex'), 16) AS Stamp";

    /// <summary>
    /// Checks a login and password. A wrong password counts a failure; at the policy's threshold the user is locked
    /// out for its duration (the count starts again). A success clears the count and records the time.
    /// </summary>
    public async Task<SignInResult> SignInAsync(Tenant tenant, string? login, string? password, CancellationToken cancellationToken)
    {
        var normalized = NormalizeLogin(login);
        if (normalized is null || string.IsNullOrEmpty(password))
        {
            return new SignInResult(SignInOutcome.Invalid);
        }
        await using var work = await data.BeginAsync(tenant, TenantStore.Database, cancellationToken);
        var row = await work.Connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {Columns}, password_hash AS PasswordHash, locked_until AS LockedUntil FROM res_users WHERE login = @login FOR UPDATE",
            new { login = normalized }, work.Transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            PasswordHash.Verify(DecoyHash.Value, password);
            return new SignInResult(SignInOutcome.Invalid);
        }
        if (row.LockedUntil is { } until && until > DateTime.UtcNow)
        {
            return new SignInResult(SignInOutcome.LockedOut, LockedUntil: until);
        }
        if (row.PasswordHash is null || !row.Active || !PasswordHash.Verify(row.PasswordHash, password))
        {
            if (row.PasswordHash is null || !row.Active) PasswordHash.Verify(DecoyHash.Value, password);
            var lockedUntil = await work.Connection.QuerySingleAsync<DateTime?>(new CommandDefinition(
                """
                UPDATE res_users SET
                    failed_login_count = CASE WHEN failed_login_count + 1 >= @threshold THEN 0 ELSE failed_login_count + 1 END,
                    locked_until = CASE WHEN failed_login_count + 1 >= @threshold THEN now() + @duration ELSE NULL END,
                    write_date = now()
                WHERE id = @id
                RETURNING locked_until
                """,
                new { id = row.Id, threshold = lockout.Threshold, duration = lockout.Duration }, work.Transaction, cancellationToken: cancellationToken));
            await work.CommitAsync(cancellationToken);
            return lockedUntil is null ? new SignInResult(SignInOutcome.Invalid) : new SignInResult(SignInOutcome.LockedOut, LockedUntil: lockedUntil);
        }
        var user = await work.Connection.QuerySingleAsync<TenantUser>(new CommandDefinition(
            $"UPDATE res_users SET failed_login_count = 0, locked_until = NULL, last_login = now() WHERE id = @id RETURNING {Columns}",
            new { id = row.Id }, work.Transaction, cancellationToken: cancellationToken));
        await work.CommitAsync(cancellationToken);
        return new SignInResult(SignInOutcome.Success, user);
    }

    /// <summary>An active user by id (null when gone or deactivated): a session is only as good as its user.</summary>
    public async Task<TenantUser?> FindActiveAsync(Tenant tenant, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Database, cancellationToken);
        return await work.Connection.QuerySingleOrDefaultAsync<TenantUser>(new CommandDefinition(
            $"SELECT {Columns} FROM res_users WHERE id = @id AND active", new { id }, work.Transaction, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<TenantUser>> ListAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Database, cancellationToken);
        return (await work.Connection.QueryAsync<TenantUser>(new CommandDefinition(
            $"SELECT {Columns} FROM res_users ORDER BY login", transaction: work.Transaction, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Creates a user with a password (hashed here, never stored or logged in clear).</summary>
    public async Task<TenantUser> CreateAsync(Tenant tenant, NewUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var login = NormalizeLogin(user.Login);
        FieldValidationException.ThrowIfAny(Validate(user, login));
        var hash = await Task.Run(() => PasswordHash.Of(user.Password), cancellationToken);
        await using var work = await data.BeginAsync(tenant, TenantStore.Database, cancellationToken);
        try
        {
            var created = await work.Connection.QuerySingleAsync<TenantUser>(new CommandDefinition(
                $"""
                INSERT INTO res_users (login, name, email, password_hash, active, is_admin)
                VALUES (@login, @name, @email, @hash, true, @isAdmin)
                RETURNING {Columns}
                """,
                new { login, name = user.Name.Trim(), email = Blank(user.Email), hash, isAdmin = user.IsAdmin },
                work.Transaction, cancellationToken: cancellationToken));
            await work.CommitAsync(cancellationToken);
            return created;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new FieldValidationException([new ValidationError("login", $"A user with the login '{login}' exists already.")]);
        }
    }

    /// <summary>Sets a user's password (hashed here) and ends every session of theirs; null when no such user.</summary>
    public async Task<TenantUser?> SetPasswordAsync(Tenant tenant, long id, string? password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        FieldValidationException.ThrowIfAny(PasswordErrors(password));
        var hash = await Task.Run(() => PasswordHash.Of(password!), cancellationToken);
        var user = await UpdateAsync(tenant, id, "password_hash = @hash, failed_login_count = 0, locked_until = NULL", new { id, hash }, cancellationToken);
        if (user is not null) await sessions.EndUserAsync(tenant.Code, id, SessionEnd.PasswordSet, cancellationToken);
        return user;
    }

    /// <summary>
    /// Disables a user (they can no longer sign in, and every session of theirs ends) or enables them again (their old
    /// sessions stay ended); null when no such user. <paramref name="actingUserId"/> may not disable themselves.
    /// </summary>
    public async Task<TenantUser?> SetActiveAsync(Tenant tenant, long id, bool active, long actingUserId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!active && id == actingUserId) throw new FieldValidationException([new ValidationError("active", "You cannot disable your own account: ask another administrator.")]);
        var user = await UpdateAsync(tenant, id, "active = @active", new { id, active }, cancellationToken);
        if (user is not null && !active) await sessions.EndUserAsync(tenant.Code, id, SessionEnd.UserDisabled, cancellationToken);
        return user;
    }

    private async Task<TenantUser?> UpdateAsync(Tenant tenant, long id, string assignments, object parameters, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Database, cancellationToken);
        var user = await work.Connection.QuerySingleOrDefaultAsync<TenantUser>(new CommandDefinition(
            $"UPDATE res_users SET {assignments}, write_date = now() WHERE id = @id RETURNING {Columns}", parameters, work.Transaction, cancellationToken: cancellationToken));
        await work.CommitAsync(cancellationToken);
        return user;
    }

    /// <summary>Problems with a new user's fields (empty when it can be created).</summary>
    public static List<ValidationError> Validate(NewUser user, string? normalizedLogin)
    {
        ArgumentNullException.ThrowIfNull(user);
        var errors = new List<ValidationError>();
        if (normalizedLogin is null) errors.Add(new("login", "A login is 1 to 254 characters without spaces (e.g. juan or juan@tbwa.ph)."));
        if (string.IsNullOrWhiteSpace(user.Name) || user.Name.Trim().Length > 200) errors.Add(new("name", "A name is 1 to 200 characters."));
        else if (TextRules.Problem(user.Name.Trim()) is { } nameProblem) errors.Add(new("name", "A name " + nameProblem));
        if (Blank(user.Email) is { } email && (!EmailPattern().IsMatch(email) || email.Length > 254)) errors.Add(new("email", "This is not an email address (name@example.com)."));
        errors.AddRange(PasswordErrors(user.Password));
        return errors;
    }

    private static List<ValidationError> PasswordErrors(string? password) =>
        password is null || password.Length < MinPasswordLength ? [new("password", $"A password has at least {MinPasswordLength} characters.")]
        : password.Length > 1024 ? [new("password", "A password has at most 1024 characters.")]
        : [];

    /// <summary>A login as stored: trimmed, lower case; null when empty, too long, or with spaces or what free text may not hold (<see cref="TextRules"/>).</summary>
    public static string? NormalizeLogin(string? login)
    {
        if (string.IsNullOrWhiteSpace(login)) return null;
        var trimmed = login.Trim().ToLowerInvariant();
        return trimmed.Length <= 254 && !trimmed.Any(char.IsWhiteSpace) && TextRules.Problem(trimmed) is null ? trimmed : null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+$")]
    private static partial Regex EmailPattern();

    private sealed record UserRow(long Id, string Login, string Name, string? Email, bool Active, bool IsAdmin, DateTime? LastLogin, string Stamp, string? PasswordHash, DateTime? LockedUntil);
}
