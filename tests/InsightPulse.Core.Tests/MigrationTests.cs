using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class MigrationTests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    public void The_checksum_is_the_lower_case_sha256_of_the_utf8_text(string sql, string expected)
    {
        Assert.Equal(expected, new Migration("0001_x.sql", sql).Checksum);
    }

    [Fact]
    public void The_checksum_is_64_hex_digits_and_stable()
    {
        var first = new Migration("0001_x.sql", "CREATE TABLE t (id int);").Checksum;
        var second = new Migration("0002_other_name.sql", "CREATE TABLE t (id int);").Checksum;

        Assert.Matches(@"\A[0-9a-f]{64}\z", first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_checksum_changes_when_one_byte_changes()
    {
        var original = new Migration("0001_x.sql", "CREATE TABLE t (id int);");

        Assert.NotEqual(original.Checksum, (original with { Sql = "CREATE TABLE t (id int)," }).Checksum);
        Assert.NotEqual(original.Checksum, (original with { Sql = "CREATE TABLE t (id int);\n" }).Checksum);
        Assert.NotEqual(original.Checksum, (original with { Sql = "create TABLE t (id int);" }).Checksum);
    }

    [Fact]
    public void The_platform_migrations_start_with_the_tenant_registry_in_ordinal_order()
    {
        var migrations = Migration.FromResources(typeof(Tenant).Assembly, "platform/");

        Assert.NotEmpty(migrations);
        Assert.Equal("0001_tenant_registry.sql", migrations[0].Id);
        Assert.Equal(migrations.Select(m => m.Id).Order(StringComparer.Ordinal), migrations.Select(m => m.Id));
        Assert.All(migrations, m => Assert.Matches(@"\A[0-9]{4}_[a-z0-9_]+\.sql\z", m.Id));
    }

    [Fact]
    public void The_platform_migrations_are_the_files_of_db_platform()
    {
        var migrations = Migration.FromResources(typeof(Tenant).Assembly, "platform/");
        var files = Directory.GetFiles(RepositoryRoot.File("db", "platform"), "*.sql")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal);

        Assert.Equal(files, migrations.Select(m => m.Id));
        Assert.All(migrations, m => Assert.Equal(File.ReadAllText(RepositoryRoot.File("db", "platform", m.Id)), m.Sql));
    }

    [Fact]
    public void An_unknown_prefix_yields_no_migrations()
    {
        Assert.Empty(Migration.FromResources(typeof(Tenant).Assembly, "nothing_here/"));
    }

    [Fact]
    public void FromResources_refuses_a_null_assembly()
    {
        Assert.Throws<ArgumentNullException>(() => Migration.FromResources(null!, "platform/"));
    }

    [Fact]
    public void Pending_are_the_scripts_the_journal_lacks_in_build_order_and_a_changed_applied_script_is_refused()
    {
        var first = new Migration("0001_a.sql", "CREATE TABLE a (id int);");
        var second = new Migration("0002_b.sql", "CREATE TABLE b (id int);");
        var third = new Migration("0003_c.sql", "CREATE TABLE c (id int);");
        var journal = new Dictionary<string, string> { [second.Id] = second.Checksum };

        Assert.Equal([first, third], MigrationRunner.Pending(journal, "module:x", [first, second, third]));
        Assert.Empty(MigrationRunner.Pending(new Dictionary<string, string> { [first.Id] = first.Checksum }, "module:x", [first]));

        var changed = Assert.Throws<MigrationChecksumException>(() =>
            MigrationRunner.Pending(new Dictionary<string, string> { [first.Id] = second.Checksum }, "module:x", [first]));
        Assert.Contains("module:x/0001_a.sql was changed after it was applied", changed.Message, StringComparison.Ordinal);
    }
}
