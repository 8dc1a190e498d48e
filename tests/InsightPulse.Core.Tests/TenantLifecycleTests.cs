using System.Text.RegularExpressions;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class TenantLifecycleTests
{
    /// <summary>The legal moves, written out here independently of the source.</summary>
    private static readonly HashSet<(TenantState From, TenantState To)> Legal =
    [
        (TenantState.Draft, TenantState.Provisioning), (TenantState.Draft, TenantState.Archived),
        (TenantState.Provisioning, TenantState.Active), (TenantState.Provisioning, TenantState.Draft),
        (TenantState.Active, TenantState.Provisioning), (TenantState.Active, TenantState.Suspended), (TenantState.Active, TenantState.Archived),
        (TenantState.Suspended, TenantState.Active), (TenantState.Suspended, TenantState.Archived),
        (TenantState.Archived, TenantState.Provisioning),
    ];

    public static TheoryData<TenantState, TenantState> AllPairs
    {
        get
        {
            var data = new TheoryData<TenantState, TenantState>();
            foreach (var from in Enum.GetValues<TenantState>())
            {
                foreach (var to in Enum.GetValues<TenantState>()) data.Add(from, to);
            }
            return data;
        }
    }

    public static TheoryData<TenantState> AllStates
    {
        get
        {
            var data = new TheoryData<TenantState>();
            foreach (var state in Enum.GetValues<TenantState>()) data.Add(state);
            return data;
        }
    }

    [Fact]
    public void There_are_exactly_the_five_states_of_the_matrix()
    {
        Assert.Equal([TenantState.Draft, TenantState.Provisioning, TenantState.Active, TenantState.Suspended, TenantState.Archived], Enum.GetValues<TenantState>());
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void CanMove_matches_the_table_of_legal_moves(TenantState from, TenantState to)
    {
        Assert.Equal(Legal.Contains((from, to)), TenantLifecycle.CanMove(from, to));
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void EnsureCanMove_throws_exactly_for_the_illegal_moves_naming_the_tenant(TenantState from, TenantState to)
    {
        var exception = Record.Exception(() => TenantLifecycle.EnsureCanMove("tbwa", from, to));

        if (Legal.Contains((from, to)))
        {
            Assert.Null(exception);
        }
        else
        {
            var invalid = Assert.IsType<InvalidTenantStateException>(exception);
            Assert.Contains("'tbwa'", invalid.Message, StringComparison.Ordinal);
            Assert.Contains(TenantLifecycle.ToText(from), invalid.Message, StringComparison.Ordinal);
            Assert.Contains(TenantLifecycle.ToText(to), invalid.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(AllStates))]
    public void Staying_in_the_same_state_is_not_a_move(TenantState state)
    {
        Assert.False(TenantLifecycle.CanMove(state, state));
    }

    [Fact]
    public void The_database_trigger_allows_the_same_moves()
    {
        var sql = File.ReadAllText(RepositoryRoot.File("db", "platform", "0001_tenant_registry.sql"));
        var start = sql.IndexOf("NOT IN (", sql.IndexOf("CREATE FUNCTION ipai_tenant_before_write", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(start > 0, "the trigger's table of moves was not found");
        var end = sql.IndexOf(") THEN", start, StringComparison.Ordinal);
        var pairs = Regex.Matches(sql[start..end], @"\('([a-z]+)', '([a-z]+)'\)")
            .Select(m => (TenantLifecycle.Parse(m.Groups[1].Value), TenantLifecycle.Parse(m.Groups[2].Value)))
            .ToHashSet();

        Assert.True(Legal.SetEquals(pairs), "trigger moves: " + string.Join(", ", pairs));
    }

    [Theory]
    [InlineData(TenantState.Draft, "draft")]
    [InlineData(TenantState.Provisioning, "provisioning")]
    [InlineData(TenantState.Active, "active")]
    [InlineData(TenantState.Suspended, "suspended")]
    [InlineData(TenantState.Archived, "archived")]
    public void ToText_is_the_lower_case_name_and_Parse_reads_it_back(TenantState state, string text)
    {
        Assert.Equal(text, TenantLifecycle.ToText(state));
        Assert.Equal(state, TenantLifecycle.Parse(text));
    }

    [Theory]
    [MemberData(nameof(AllStates))]
    public void Parse_of_ToText_round_trips(TenantState state)
    {
        Assert.Equal(state, TenantLifecycle.Parse(TenantLifecycle.ToText(state)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("draft ")]
    [InlineData(" draft")]
    [InlineData("draft\n")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("4")]
    [InlineData("-1")]
    [InlineData("99")]
    [InlineData("draft,active")]
    [InlineData("drafts")]
    [InlineData("deleted")]
    [InlineData("dr\u0430ft")]
    [InlineData("'; DROP TABLE ipai_tenant;--")]
    public void Parse_refuses_junk(string text)
    {
        Assert.Throws<ArgumentException>(() => TenantLifecycle.Parse(text));
    }

    [Theory]
    [InlineData(TenantState.Active, TenantState.Suspended)]
    [InlineData(TenantState.Active, TenantState.Archived)]
    [InlineData(TenantState.Suspended, TenantState.Archived)]
    [InlineData(TenantState.Draft, TenantState.Archived)]
    public void The_platform_tenant_is_never_suspended_nor_archived_and_the_message_says_why(TenantState from, TenantState to)
    {
        var exception = Assert.Throws<InvalidTenantStateException>(() => TenantLifecycle.EnsureCanMove(Tenant.PlatformCode, from, to));
        Assert.Contains("lock every operator out", exception.Message, StringComparison.Ordinal);
        TenantLifecycle.EnsureCanMove("tbwa", from, to);
    }

    [Fact]
    public void The_platform_tenant_still_moves_to_active_and_through_provisioning()
    {
        TenantLifecycle.EnsureCanMove(Tenant.PlatformCode, TenantState.Suspended, TenantState.Active);
        TenantLifecycle.EnsureCanMove(Tenant.PlatformCode, TenantState.Active, TenantState.Provisioning);
        TenantLifecycle.EnsureCanMove(Tenant.PlatformCode, TenantState.Provisioning, TenantState.Active);
    }
}
