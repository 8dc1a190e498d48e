using System.Security.Cryptography;

namespace InsightPulse.Core.ManagedPostgres;

/// <summary>
/// Local secrets in <c>.ipai/secrets/</c>: a folder of mode 0700 holding one file per secret, mode 0600.
/// Values are never printed or logged; callers get them only to hand to a connection or a child process.
/// </summary>
public sealed class SecretStore(string directory)
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode SecretFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Directory { get; } = directory;

    public string PathOf(string name)
    {
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) || name.StartsWith('.'))
        {
            throw new ArgumentException($"'{name}' is not a valid secret name.", nameof(name));
        }
        return Path.Combine(Directory, name);
    }

    public bool Exists(string name) => VariableValue(name) is not null || File.Exists(PathOf(name));

    /// <summary>
    /// The environment variable that gives secret <paramref name="name"/> instead of its file: <c>IPAI_SECRET_</c> and
    /// the name in capitals with every other character as <c>_</c> (<c>ipai_app.password</c>: <c>IPAI_SECRET_IPAI_APP_PASSWORD</c>).
    /// A web node on another machine gets the role passwords this way, from its secret manager, with no folder copied.
    /// </summary>
    public static string VariableOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "IPAI_SECRET_" + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());
    }

    private static string? VariableValue(string name) => Environment.GetEnvironmentVariable(VariableOf(name)) is { Length: > 0 } value ? value : null;

    /// <summary>The secret: its environment variable (<see cref="VariableOf"/>) when set, else its file; null when neither.</summary>
    public string? Read(string name)
    {
        var path = PathOf(name);
        if (VariableValue(name) is { } fromEnvironment) return fromEnvironment;
        return File.Exists(path) ? File.ReadAllText(path).TrimEnd('\n') : null;
    }

    public string ReadRequired(string name) =>
        Read(name) ?? throw new InvalidOperationException(
            $"Secret '{name}' is missing from {Directory} (and {VariableOf(name)} is not set): run `./ipai up` to create it, restore the folder from your backup, or set the variable.");

    /// <summary>Returns the stored secret, creating a random one first when there is none.</summary>
    public (string Value, bool Created) GetOrCreate(string name)
    {
        var existing = Read(name);
        if (existing is not null) return (existing, false);
        var value = NewPassword();
        Write(name, value);
        return (value, true);
    }

    public void Write(string name, string value)
    {
        EnsureFolder();
        var path = PathOf(name);
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = SecretFileMode,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(value);
            writer.Write('\n');
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Delete(string name) => File.Delete(PathOf(name));

    /// <summary>32 random bytes as URL-safe base64: no character needs escaping in a URL, a pgpass file or SQL.</summary>
    public static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private void EnsureFolder()
    {
        System.IO.Directory.CreateDirectory(Directory, FolderMode);
        File.SetUnixFileMode(Directory, FolderMode);
    }
}
