using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Core.Tests;

public sealed class PostgresBinariesTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ipai-postgres-binaries-tests-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Touch(params string[] parts)
    {
        var path = Path.Combine([_root.FullName, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }

    [Fact]
    public void The_newest_debian_major_with_initdb_is_chosen()
    {
        Touch("14", "bin", "initdb");
        Touch("16", "bin", "initdb");

        var binaries = PostgresBinaries.TryFind(null, _root.FullName);

        Assert.NotNull(binaries);
        Assert.Equal(Path.Combine(_root.FullName, "16", "bin"), binaries.BinDir);
        Assert.Equal(Path.Combine(_root.FullName, "16", "bin", "initdb"), binaries.InitDb);
        Assert.Equal(Path.Combine(_root.FullName, "16", "bin", "pg_ctl"), binaries.PgCtl);
    }

    [Fact]
    public void Majors_compare_as_numbers_and_folders_without_initdb_or_a_number_are_skipped()
    {
        Touch("9", "bin", "initdb");
        Touch("14", "bin", "initdb");
        Touch("17", "bin", "pg_ctl");
        Touch("latest", "bin", "initdb");

        var binaries = PostgresBinaries.TryFind("", _root.FullName);

        Assert.NotNull(binaries);
        Assert.Equal(Path.Combine(_root.FullName, "14", "bin"), binaries.BinDir);
    }

    [Fact]
    public void A_configured_folder_without_initdb_finds_nothing()
    {
        Touch("16", "bin", "initdb");
        var configured = Directory.CreateDirectory(Path.Combine(_root.FullName, "empty")).FullName;

        Assert.Null(PostgresBinaries.TryFind(configured, _root.FullName));
    }

    [Fact]
    public void A_configured_folder_with_initdb_wins_over_the_debian_folders()
    {
        Touch("16", "bin", "initdb");
        var configured = Path.GetDirectoryName(Touch("custom", "initdb"))!;

        var binaries = PostgresBinaries.TryFind(configured, _root.FullName);

        Assert.NotNull(binaries);
        Assert.Equal(configured, binaries.BinDir);
    }

    [Fact]
    public void Psql_beside_the_server_is_preferred_to_the_one_on_path()
    {
        var bin = Path.GetDirectoryName(Touch("16", "bin", "initdb"))!;
        Assert.Equal("psql", new PostgresBinaries(bin).Psql);

        Touch("16", "bin", "psql");
        Assert.Equal(Path.Combine(bin, "psql"), new PostgresBinaries(bin).Psql);
    }
}
