using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Core.Tests;

public sealed class SecretStoreTests : IDisposable
{
    private const UnixFileMode Mode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ipai-secret-store-tests-");

    private string Folder => Path.Combine(_root.FullName, "secrets");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void GetOrCreate_creates_the_secret_once_and_then_returns_it()
    {
        var store = new SecretStore(Folder);

        var (first, created) = store.GetOrCreate("postgres_password");
        var (second, createdAgain) = store.GetOrCreate("postgres_password");

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first, second);
        Assert.Equal(first, new SecretStore(Folder).Read("postgres_password"));
    }

    [Fact]
    public void The_folder_is_0700_and_the_secret_file_0600()
    {
        var store = new SecretStore(Folder);

        store.GetOrCreate("postgres_password");

        Assert.Equal(Mode0700, File.GetUnixFileMode(Folder));
        Assert.Equal(Mode0600, File.GetUnixFileMode(store.PathOf("postgres_password")));
    }

    [Fact]
    public void An_existing_folder_that_is_too_open_is_closed_on_write()
    {
        Directory.CreateDirectory(Folder);
        File.SetUnixFileMode(Folder, Mode0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var store = new SecretStore(Folder);

        store.Write("token", "value");

        Assert.Equal(Mode0700, File.GetUnixFileMode(Folder));
        Assert.Equal(Mode0600, File.GetUnixFileMode(store.PathOf("token")));
    }

    [Fact]
    public void Write_then_Read_round_trips_and_leaves_no_temporary_file()
    {
        var store = new SecretStore(Folder);

        store.Write("token", "first");
        store.Write("token", "second");

        Assert.Equal("second", store.Read("token"));
        Assert.True(store.Exists("token"));
        Assert.Equal(["token"], Directory.GetFiles(Folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_missing_secret_reads_as_null_and_ReadRequired_throws()
    {
        var store = new SecretStore(Folder);

        Assert.Null(store.Read("absent"));
        Assert.False(store.Exists("absent"));
        Assert.Throws<InvalidOperationException>(() => store.ReadRequired("absent"));
    }

    [Fact]
    public void Delete_removes_the_secret()
    {
        var store = new SecretStore(Folder);
        store.Write("token", "value");

        store.Delete("token");

        Assert.False(store.Exists("token"));
    }

    [Fact]
    public void NewPassword_is_url_safe_and_long()
    {
        var password = SecretStore.NewPassword();

        Assert.Matches(@"\A[A-Za-z0-9_-]+\z", password);
        Assert.True(password.Length >= 40, $"only {password.Length} characters");
    }

    [Fact]
    public void Two_new_passwords_differ()
    {
        Assert.NotEqual(SecretStore.NewPassword(), SecretStore.NewPassword());
    }

    [Fact]
    public void Many_new_passwords_use_only_url_safe_characters()
    {
        var passwords = Enumerable.Range(0, 200).Select(_ => SecretStore.NewPassword()).ToList();

        Assert.All(passwords, p => Assert.Matches(@"\A[A-Za-z0-9_-]{40,}\z", p));
        Assert.Equal(passwords.Count, passwords.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("a\n")]
    [InlineData("p\u00e4ss")]
    public void An_invalid_secret_name_is_refused(string name)
    {
        var store = new SecretStore(Folder);

        Assert.Throws<ArgumentException>(() => store.PathOf(name));
        Assert.Throws<ArgumentException>(() => store.GetOrCreate(name));
        Assert.Throws<ArgumentException>(() => store.Write(name, "value"));
        Assert.False(Directory.Exists(Folder) && Directory.EnumerateFileSystemEntries(Folder).Any());
    }

    [Theory]
    [InlineData("postgres_password")]
    [InlineData("admin-token.v2")]
    [InlineData("A1")]
    public void A_valid_secret_name_maps_to_a_file_in_the_folder(string name)
    {
        Assert.Equal(Path.Combine(Folder, name), new SecretStore(Folder).PathOf(name));
    }
}
