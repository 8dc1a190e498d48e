using System.Collections.Concurrent;

namespace InsightPulse.Core.Bi.Superset;

/// <summary>
/// One signed-in <see cref="SupersetClient"/> per external Superset (base URL), kept for the process: provisioning
/// and guest-token requests share its session instead of signing in for every call.
/// </summary>
public sealed class SupersetSessions(SupersetCredentials credentials) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<SupersetClient>> _clients = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces how clients are made (tests: a handler of their own).</summary>
    public Func<Uri, SupersetLogin, SupersetClient> Factory { get; set; } = (url, login) => new SupersetClient(url, login);

    public SupersetClient For(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new SupersetException(SupersetCheck.Dns, $"'{baseUrl}' is not an http(s) URL of a Superset.", "Set it with `./ipai tenant update CODE --superset-base-url https://superset.example.com`.");
        }
        var key = url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var login = credentials.For(url);
        var lazy = _clients.GetOrAdd(key, _ => new Lazy<SupersetClient>(() => Factory(url, login)));
        return lazy.Value;
    }

    /// <summary>Forgets the session of <paramref name="baseUrl"/> (its login changed).</summary>
    public void Forget(string baseUrl)
    {
        if (_clients.TryRemove(baseUrl.TrimEnd('/'), out var lazy) && lazy.IsValueCreated) lazy.Value.Dispose();
    }

    public void Dispose()
    {
        foreach (var lazy in _clients.Values) if (lazy.IsValueCreated) lazy.Value.Dispose();
        _clients.Clear();
    }
}
