using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;

namespace InsightPulse.Core.Tests;

/// <summary>The fingerprint `up` compares to decide whether an active tenant is on this build's scripts.</summary>
public sealed class ScriptsFingerprintTests
{
    private static readonly (string, Migration)[] Build =
    [
        ("tenant_context", new Migration("0001_tenant_context.sql", "CREATE SCHEMA ipai;")),
        ("module:ipai_finance_ppm", new Migration("0001_finance.sql", "CREATE TABLE ppm_agency (id int);")),
        ("databank:tbwa", new Migration("0001_tbwa.sql", "INSERT INTO bir_atc_code VALUES ('WC158');")),
    ];

    [Fact]
    public void The_same_scripts_in_any_order_give_the_same_fingerprint()
    {
        Assert.Equal(Migration.Fingerprint(Build), Migration.Fingerprint(Build.Reverse()));
        Assert.Matches("^[0-9a-f]{64}$", Migration.Fingerprint(Build));
    }

    [Fact]
    public void A_changed_added_or_moved_script_changes_the_fingerprint()
    {
        var changed = Build.Select((s, i) => i == 1 ? (s.Item1, s.Item2 with { Sql = "CREATE TABLE ppm_agency (id bigint);" }) : s);
        var added = Build.Append(("module:ipai_finance_ppm", new Migration("0002_finance.sql", "ALTER TABLE ppm_agency ADD tin text;")));
        var moved = Build.Select((s, i) => i == 2 ? ("databank:scout", s.Item2) : s);

        foreach (var other in new[] { changed, added, moved })
        {
            Assert.NotEqual(Migration.Fingerprint(Build), Migration.Fingerprint(other));
        }
    }
}
