using Dapper;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// A disk that fills up while a tenant is provisioned: the shared data database's new tables go to a tablespace on a
/// small loop-mounted ext4 file system (<c>default_tablespace</c> of that database) that is full. The run fails
/// cleanly (exit 1, the disk named, the tenant not active, nothing half-made served), and once space is back the next
/// run finishes it. Needs root and loop devices (mount); skipped, saying so, where the machine refuses them.
/// </summary>
[Collection(Lanes.B)]
public sealed class DiskFullTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Tablespace = "ipai_test_small";
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    [SkippableFact]
    public async Task Provisioning_on_a_full_disk_fails_cleanly_and_finishes_when_space_returns()
    {
        await using var disk = await SmallFileSystem.MountAsync(megabytes: 16);
        Skip.If(disk.Refused is not null, $"the machine refuses a loop-mounted file system: {disk.Refused}");
        var data = postgres.AdminDatabase;
        await postgres.ExecuteAsync(data, $"CREATE TABLESPACE {Tablespace} OWNER {PostgresFixture.OwnerRole} LOCATION {Sql.Literal(disk.Folder)}");
        try
        {
            await postgres.ExecuteAsync(data, $"ALTER DATABASE {Sql.Identifier(data)} SET default_tablespace = {Tablespace}");
            NpgsqlConnection.ClearAllPools(); // sessions opened from now on take the setting
            Assert.Equal(0, (await _platform.CliAsync("tenant", "create", "diskfull", "--name", "Disk Full Inc")).ExitCode);
            // The finance module keeps its tables in the tenant's schema of the shared data database: on the small disk.
            await _platform.Get<TenantModules>().AddAsync("diskfull", "ipai_finance_ppm", CancellationToken.None);
            await disk.FillAsync();

            var full = await _platform.CliAsync("tenant", "provision", "diskfull", "--no-verify");

            Assert.True(full.ExitCode == 1, full.ToString() + await DiagnoseAsync(data, disk));
            Assert.Contains("No space left on device", full.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", full.Error, StringComparison.Ordinal); // a message, not a stack trace
            Assert.Equal("provisioning", await StateAsync());
            Assert.Equal("failed", await PlatformScalarAsync<string>(
                "SELECT outcome FROM ipai_provision_run WHERE tenant_code = 'diskfull' ORDER BY started_at DESC LIMIT 1"));

            disk.Free();
            var resumed = await _platform.CliAsync("tenant", "provision", "diskfull", "--no-verify");

            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.Equal("active", await StateAsync());
            // The tenant's tables are on the small disk, and the lint finds its stores whole.
            Assert.True(await postgres.ScalarAsync<long>(data, $"""
                SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_tablespace t ON t.oid = c.reltablespace
                WHERE n.nspname = 'diskfull' AND t.spcname = '{Tablespace}'
                """) > 0);
            var lint = await _platform.CliAsync("lint", "--tenant", "diskfull");
            Assert.True(lint.ExitCode == 0, lint.ToString());
        }
        finally
        {
            await postgres.ExecuteAsync(data, $"ALTER DATABASE {Sql.Identifier(data)} RESET default_tablespace");
            await postgres.ExecuteAsync(data, "DROP SCHEMA IF EXISTS diskfull CASCADE");
            NpgsqlConnection.ClearAllPools();
            await postgres.ExecuteAsync(data, $"DROP TABLESPACE IF EXISTS {Tablespace}");
        }
    }

    private async Task<string> DiagnoseAsync(string data, SmallFileSystem disk)
    {
        await using var owner = new NpgsqlConnection(postgres.OwnerConnectionString(data));
        await owner.OpenAsync();
        var setting = await owner.ExecuteScalarAsync<string>("SHOW default_tablespace");
        var rels = await owner.QueryAsync<string>("SELECT c.relname || ':' || c.reltablespace FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'diskfull' LIMIT 5");
        return $"\ndefault_tablespace={setting}; {string.Join(", ", rels)}; free={new DriveInfo(disk.Folder).AvailableFreeSpace}";
    }

    private Task<string> StateAsync() => PlatformScalarAsync<string>("SELECT state FROM ipai_tenant WHERE code = 'diskfull'");

    private async Task<T> PlatformScalarAsync<T>(string sql)
    {
        await using var platform = await _platform.OpenPlatformAsync();
        return (await platform.ExecuteScalarAsync<T>(sql))!;
    }

    /// <summary>
    /// An ext4 file system in a file, loop-mounted on a folder the postgres system user owns; <see cref="Refused"/> says
    /// why not when the machine does not allow it (not root, no loop device). Disposing unmounts it and deletes both.
    /// </summary>
    private sealed class SmallFileSystem : IAsyncDisposable
    {
        private readonly string _image;
        private readonly string _filler;
        private bool _mounted;

        private SmallFileSystem(string root)
        {
            _image = Path.Combine(root, "disk.img");
            Folder = Path.Combine(root, "mnt");
            _filler = Path.Combine(Folder, "filler");
        }

        public string Folder { get; }
        public string? Refused { get; private set; }

        public static async Task<SmallFileSystem> MountAsync(int megabytes)
        {
            var disk = new SmallFileSystem(PostgresFixture.NewTempFolder("ipai-test-disk"));
            if (!Environment.IsPrivilegedProcess)
            {
                disk.Refused = "the tests do not run as root";
                return disk;
            }
            await using (var image = File.Create(disk._image)) image.SetLength(megabytes * 1024L * 1024L);
            Directory.CreateDirectory(disk.Folder);
            var steps = new (string Program, string[] Arguments)[]
            {
                ("mkfs.ext4", ["-q", "-F", "-m", "0", disk._image]),
                ("mount", ["-o", "loop", disk._image, disk.Folder]),
            };
            foreach (var (program, arguments) in steps)
            {
                var result = await ProcessRunner.RunAsync(program, arguments);
                if (result.ExitCode != 0)
                {
                    disk.Refused = $"{program} exit {result.ExitCode}: {result.Error.Trim()}";
                    return disk;
                }
                disk._mounted |= program == "mount";
            }
            await ProcessRunner.RunCheckedAsync("chown", ["postgres:postgres", disk.Folder]);
            File.SetUnixFileMode(disk.Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return disk;
        }

        /// <summary>Fills the file system to its last block (writes until the disk says it is full).</summary>
        public async Task FillAsync()
        {
            await using var filler = new FileStream(_filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.WriteThrough);
            foreach (var size in new[] { 1024 * 1024, 4096 })
            {
                var block = new byte[size];
                try
                {
                    while (true) await filler.WriteAsync(block);
                }
                catch (IOException)
                {
                    // full at this block size: go on with smaller blocks
                }
            }
        }

        public void Free() => File.Delete(_filler);

        public async ValueTask DisposeAsync()
        {
            if (_mounted) await ProcessRunner.RunCheckedAsync("umount", [Folder]);
            Directory.Delete(Path.GetDirectoryName(_image)!, recursive: true);
        }
    }
}
