using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Events;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace InsightPulse.Core.Audit;

/// <summary>
/// The audit trail (<c>ipai_audit</c> in the platform database): the one writer every path that performs an audited
/// action goes through (the CLI's commands, the operator API and console, the users page, the dashboards), and the
/// reader of <c>./ipai audit</c>.
/// <para>
/// Rows are written as the runtime role (<see cref="PlatformOptions.AppRole"/>), which may only INSERT into the table:
/// the code that writes the trail cannot read, change or delete it, and the table's trigger refuses UPDATE, DELETE and
/// TRUNCATE to every role (db/platform/0016_audit.sql). Rows are read as the owner (<see cref="ListAsync"/>).
/// </para>
/// <para>
/// <b>When the audit insert fails</b> (the server is down, the runtime role's secret is missing, …) the action's own
/// outcome stands: an action that succeeded is not undone or reported as failed, an action that failed throws its own
/// error, never the audit's. The failure is logged as a warning (event 6001: action, tenant, outcome and the error,
/// never a secret; the CLI prints it on standard error) and the write returns false. A write is not cancellable (the
/// record of an action outlives the request or command that asked for it) and gives up after <see cref="WriteTimeout"/>.
/// Each action is recorded after it ended, in a transaction of its own: it is not atomic with the action, which may
/// span several databases.
/// </para>
/// <para>
/// Details never hold a secret: callers put ids, names and field names in them, and <see cref="DetailOf"/> drops any key
/// that names a password, secret, token, cookie, session, key or credential, and cuts long strings.
/// </para>
/// </summary>
public sealed partial class AuditLog(PlatformEnvironmentSource source, PlatformDatabases databases, ILogger<AuditLog> logger)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 10_000;

    /// <summary>How long a write may take (connection and insert) before it is given up and logged.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most a detail may hold, as compact JSON (ASCII: the serializer escapes the rest). The table's CHECK allows
    /// 4,000 bytes of jsonb's text, which puts a space after every ':' and ',' (at most half again as long).
    /// </summary>
    internal const int MaxDetailBytes = 2_000;

    /// <summary>Strings in a detail are cut at this length.</summary>
    internal const int MaxDetailString = 200;

    private static readonly JsonSerializerOptions DetailJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    [GeneratedRegex("password|passwd|secret|token|cookie|session|credential|authorization|api_?key|private_?key", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretKey();

    private volatile PostgresLogin? _login;

    /// <summary>
    /// Runs <paramref name="work"/> and records how it ended: succeeded (with <paramref name="resultDetail"/> of its
    /// result beside the event's detail), refused or failed (<see cref="OutcomeOf"/>, with the error's type and the
    /// invalid fields' names, never its message). The work's result or exception is passed on unchanged.
    /// </summary>
    public async Task<T> TrackAsync<T>(AuditEvent audit, Func<Task<T>> work, Func<T, object?>? resultDetail = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(work);
        T result;
        try
        {
            result = await work();
        }
        catch (Exception e)
        {
            await RecordFailureAsync(audit, e);
            throw;
        }
        await RecordAsync(audit, AuditOutcome.Succeeded, resultDetail?.Invoke(result));
        return result;
    }

    /// <summary>Records an action that threw <paramref name="error"/>: refused or failed (<see cref="OutcomeOf"/>), with the error's type and the invalid fields' names, never its message.</summary>
    public Task<bool> RecordFailureAsync(AuditEvent audit, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return RecordAsync(audit, OutcomeOf(error), ErrorDetail(error));
    }

    /// <summary>Records one action that ended with <paramref name="outcome"/>; false (and a warning logged) when the row could not be written.</summary>
    public async Task<bool> RecordAsync(AuditEvent audit, AuditOutcome outcome, object? extraDetail = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var tenant = Sql.IsPlainIdentifier(audit.TenantCode) ? audit.TenantCode : null;
        try
        {
            var detail = DetailOf(audit.Detail, extraDetail,
                tenant is null && !string.IsNullOrEmpty(audit.TenantCode) ? new { GivenTenant = Sql.Printable(audit.TenantCode, 63) } : null);
            using var timeout = new CancellationTokenSource(WriteTimeout);
            await using var connection = await OpenAsync(timeout.Token);
            // No RETURNING: the runtime role may not SELECT the table.
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO ipai_audit (actor, tenant_code, action, outcome, detail) VALUES (@actor, @tenant, @action, @outcome, @detail::jsonb)",
                new { actor = audit.Actor.Name, tenant, action = audit.Action, outcome = ToText(outcome), detail = detail.ToJsonString() },
                cancellationToken: timeout.Token));
            return true;
        }
        catch (Exception e)
        {
            Log.NotRecorded(logger, audit.Action, tenant ?? "-", ToText(outcome), audit.Actor.Name,
                e is PostgresException p ? $"{p.MessageText} (SQLSTATE {p.SqlState})" : PostgresErrors.Describe(e));
            return false;
        }
    }

    /// <summary>
    /// Refused when the platform's rules said no (invalid input, a conflict, a state that does not allow it, no such
    /// tenant, server, module); failed otherwise (a server error, a failed step, an interruption).
    /// </summary>
    public static AuditOutcome OutcomeOf(Exception error) => error switch
    {
        InvalidInputException or TenantConflictException or InvalidTenantStateException or TenantNotFoundException
            or UnknownServerException or WebhookException => AuditOutcome.Refused,
        _ => AuditOutcome.Failed,
    };

    /// <summary>The lower-case text of an outcome, as the table holds it.</summary>
    public static string ToText(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Succeeded => "succeeded",
        AuditOutcome.Refused => "refused",
        _ => "failed",
    };

    private static AuditOutcome ParseOutcome(string text) => text switch
    {
        "succeeded" => AuditOutcome.Succeeded,
        "refused" => AuditOutcome.Refused,
        _ => AuditOutcome.Failed,
    };

    /// <summary>What a failure's record says: the error's type and, for invalid input, the fields' names (a message may echo input).</summary>
    private static object ErrorDetail(Exception error) => error switch
    {
        TenantValidationException v => new { Error = error.GetType().Name, Fields = v.Errors.Select(x => x.Field).Distinct().ToArray() },
        FieldValidationException v => new { Error = error.GetType().Name, Fields = v.Errors.Select(x => x.Field).Distinct().ToArray() },
        _ => new { Error = error.GetType().Name },
    };

    /// <summary>
    /// The detail of a row: the parts (objects, snake_case keys) merged into one JSON object, keys that name a secret
    /// dropped at every depth, strings cut at <see cref="MaxDetailString"/>; a detail still past <see cref="MaxDetailBytes"/>
    /// becomes <c>{"detail_dropped": "too long"}</c>.
    /// </summary>
    internal static JsonObject DetailOf(params object?[] parts)
    {
        var merged = new JsonObject();
        foreach (var part in parts)
        {
            if (part is null) continue;
            if (JsonSerializer.SerializeToNode(part, DetailJson) is not JsonObject fields) throw new ArgumentException("An audit detail is an object with named fields.", nameof(parts));
            foreach (var (key, value) in fields) merged[key] = value?.DeepClone();
        }
        Scrub(merged);
        return merged.ToJsonString().Length > MaxDetailBytes ? new JsonObject { ["detail_dropped"] = "too long" } : merged;
    }

    private static void Scrub(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject fields:
                foreach (var key in fields.Select(f => f.Key).ToList())
                {
                    if (SecretKey().IsMatch(key)) fields.Remove(key);
                    else if (fields[key] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > MaxDetailString) fields[key] = Sql.Printable(text, MaxDetailString);
                    else Scrub(fields[key]);
                }
                break;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > MaxDetailString) items[i] = Sql.Printable(text, MaxDetailString);
                    else Scrub(items[i]);
                }
                break;
        }
    }

    /// <summary>A connection to the platform database as the runtime role (its secret read once; again after a password change).</summary>
    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var names = source.Names;
        var login = _login ??= new PostgresLogin(names.AppRole, source.Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret(names.AppRole)));
        try
        {
            return await databases.Get(databases.Environment.PlatformDatabase, login).OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
        {
            // The role's secret was rotated: read it again next time, with a new pool.
            _login = null;
            await databases.ForgetAsync(databases.Environment.PlatformDatabase, login);
            throw;
        }
    }

    /// <summary>The newest rows first, of one tenant or of all; at most <paramref name="limit"/> (1 to <see cref="MaxLimit"/>). Read as the owner.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ListAsync(string? tenantCode, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, DateTime At, string Actor, string? TenantCode, string Action, string Outcome, string Detail)>(new CommandDefinition(
            $"SELECT id, at, actor, tenant_code, action, outcome, detail::text FROM ipai_audit {(tenantCode is null ? "" : "WHERE tenant_code = @tenantCode ")}ORDER BY id DESC LIMIT @limit",
            new { tenantCode, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new AuditRecord(r.Id, r.At, r.Actor, r.TenantCode, r.Action, ParseOutcome(r.Outcome), ParseDetail(r.Detail))).ToList();
    }

    private static JsonElement ParseDetail(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Warning, "The audit trail did not record {Action} of tenant {Tenant} ({Outcome}, by {Actor}): {Error}")]
        public static partial void NotRecorded(ILogger logger, string action, string tenant, string outcome, string actor, string error);
    }
}
