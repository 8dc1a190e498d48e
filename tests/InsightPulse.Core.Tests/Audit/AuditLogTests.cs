using System.Text.RegularExpressions;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Bootstrap;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Events;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests.Audit;

/// <summary>The audit trail's vocabulary, its details (never a secret) and how an error counts: refused or failed.</summary>
public sealed partial class AuditLogTests
{
    private static string Script => PlatformBootstrapper.PlatformScripts().Single(m => m.Id == "0016_audit.sql").Sql;

    [GeneratedRegex(@"CHECK \((?<column>action|outcome) IN \((?<values>[^)]*)\)\)")]
    private static partial Regex Vocabulary();

    private static IReadOnlyList<string> Allowed(string column) =>
        [.. Regex.Matches(Vocabulary().Matches(Script).Single(m => m.Groups["column"].Value == column).Groups["values"].Value, "'([^']+)'").Select(m => m.Groups[1].Value)];

    [Fact]
    public void The_actions_are_the_tables_check_one_for_one_in_order()
    {
        Assert.Equal(Allowed("action"), AuditActions.All);
        Assert.Equal(AuditActions.All.Count, AuditActions.All.Distinct().Count());
        Assert.All(AuditActions.All, a => Assert.Matches(@"\A[a-z]+\.[a-z_]+\z", a));
    }

    [Fact]
    public void The_outcomes_are_the_tables_check()
    {
        Assert.Equal(Allowed("outcome").Order(StringComparer.Ordinal), Enum.GetValues<AuditOutcome>().Select(AuditLog.ToText).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_script_grants_the_runtime_role_insert_and_nothing_else()
    {
        var grants = Regex.Matches(Script, @"^GRANT .*$", RegexOptions.Multiline).Select(m => m.Value).ToList();
        Assert.Equal(["GRANT INSERT ON ipai_audit TO ${app_role};"], grants);
        Assert.Contains("BEFORE UPDATE OR DELETE OR TRUNCATE ON ipai_audit", Script, StringComparison.Ordinal);
    }

    [Fact]
    public void A_detail_drops_every_key_that_names_a_secret_at_every_depth()
    {
        var detail = AuditLog.DetailOf(
            new { Login = "juan", Password = "hunter2-hunter2", NewPassword = "x", Nested = new { ApiKey = "k", Host = "example.com", Items = new[] { new { SessionId = "s", Kept = 1 } } } },
            new { WebhookSecret = "w", GuestToken = "t", Cookie = "c", Authorization = "Bearer x", ClientCredentials = "c" });

        var text = detail.ToJsonString();
        Assert.Equal("""{"login":"juan","nested":{"host":"example.com","items":[{"kept":1}]}}""", text);
    }

    [Fact]
    public void A_detail_merges_its_parts_cuts_long_strings_and_is_dropped_when_still_too_long()
    {
        var merged = AuditLog.DetailOf(new { Fields = new[] { "name" } }, null, new { RunId = Guid.Empty, Changed = true });
        Assert.Equal("""{"fields":["name"],"run_id":"00000000-0000-0000-0000-000000000000","changed":true}""", merged.ToJsonString());

        var cut = AuditLog.DetailOf(new { Login = new string('a', 5000), Events = new[] { new string('b', 5000) } });
        Assert.Equal(AuditLog.MaxDetailString + 1, cut["login"]!.GetValue<string>().Length); // and the ellipsis
        Assert.Equal(AuditLog.MaxDetailString + 1, cut["events"]![0]!.GetValue<string>().Length);

        var many = AuditLog.DetailOf(new { Fields = Enumerable.Range(0, 1000).Select(i => $"field_{i}").ToArray() });
        Assert.Equal("""{"detail_dropped":"too long"}""", many.ToJsonString());
    }

    [Fact]
    public void A_detail_must_be_an_object()
    {
        Assert.Throws<ArgumentException>(() => AuditLog.DetailOf("a string"));
    }

    [Fact]
    public void Refusals_are_told_from_failures_by_the_error()
    {
        Assert.Equal(AuditOutcome.Refused, AuditLog.OutcomeOf(new TenantValidationException([new ValidationError("code", "bad")])));
        Assert.Equal(AuditOutcome.Refused, AuditLog.OutcomeOf(new FieldValidationException([new ValidationError("password", "short")])));
        Assert.Equal(AuditOutcome.Refused, AuditLog.OutcomeOf(new TenantConflictException("taken")));
        Assert.Equal(AuditOutcome.Refused, AuditLog.OutcomeOf(new InvalidTenantStateException("suspended")));
        Assert.Equal(AuditOutcome.Refused, AuditLog.OutcomeOf(new TenantNotFoundException("nosuch")));
        Assert.Equal(AuditOutcome.Refused, AuditLog.OutcomeOf(UnknownServerException.Of("nowhere")));
        Assert.Equal(AuditOutcome.Refused, AuditLog.OutcomeOf(new WebhookException("not a URL")));
        Assert.Equal(AuditOutcome.Failed, AuditLog.OutcomeOf(new MigrationFailedException("0001_x.sql", new InvalidOperationException())));
        Assert.Equal(AuditOutcome.Failed, AuditLog.OutcomeOf(new OperationCanceledException()));
        Assert.Equal(AuditOutcome.Failed, AuditLog.OutcomeOf(new TimeoutException()));
    }

    [Fact]
    public void An_actor_says_where_the_action_came_from_and_carries_no_control_character_or_endless_name()
    {
        Assert.Equal("cli:root", AuditActor.Cli("root").Name);
        Assert.Equal("cli:unknown", AuditActor.Cli(" ").Name);
        Assert.Equal("web:tbwa/juan@tbwa.ph", AuditActor.WebUser("tbwa", "juan@tbwa.ph").Name);
        Assert.Equal("api:operator", AuditActor.OperatorApi.Name);
        Assert.Equal("bi-api:scout", AuditActor.BiApi("scout").Name);
        Assert.Equal("web:tbwa/a?b?c", AuditActor.WebUser("tbwa", "a\nb\0c").Name);
        Assert.Equal(AuditActor.MaxLength, AuditActor.WebUser("tbwa", new string('x', 1000)).Name.Length);
        Assert.StartsWith("cli:", AuditActor.CommandLine.Name, StringComparison.Ordinal);
    }
}
