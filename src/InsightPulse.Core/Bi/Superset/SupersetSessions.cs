using System.Collections.Concurrent;

namespace InsightPulse.Core.Bi.Superset;

/// <summary>
/// One signed-in <see cref="SupersetClient"/> per external Superset (base URL), kept for the process: provisioning
/// and guest-token requests share its session instead of signing in for every call.
/// </summary>
public sealed class SupersetSessions(SupersetCredentials credentials) : IDisposable
{
    private readonly ConcurrentDictionary<string, (SupersetLogin Login, Lazy<SupersetClient> Client)> _clients = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Replaces how clients are made (tests: a handler of their own).</summary>
    public Func<Uri, SupersetLogin, SupersetClient> Factory { get; set; } = (url, login) => new SupersetClient(url, login);

    public SupersetClient For(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new SupersetException(SupersetCheck.Dns, $"'{baseUrl}' is not an http(s) URL of a Superset.", "Set it with `./ipai tenant update CODE --superset-base-url https://superset.example.com`.");
        }
        var key = url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        // The login is read on every call: a changed secret takes effect at once, with a new session.
        var login = credentials.For(url);
        var entry = _clients.AddOrUpdate(key,
            _ => (login, new Lazy<SupersetClient>(() => Factory(url, login))),
            (_, old) => old.Login == login ? old : (login, new Lazy<SupersetClient>(() => Factory(url, login))));
        return entry.Client.Value;
    }

    /// <summary>Forgets the session of <paramref name="baseUrl"/>.</summary>
    public void Forget(string baseUrl)
    {
        if (_clients.TryRemove(baseUrl.TrimEnd('/'), out var entry) && entry.Client.IsValueCreated) entry.Client.Value.Dispose();
    }

    public void Dispose()
    {
        foreach (var entry in _clients.Values) if (entry.Client.IsValueCreated) entry.Client.Value.Dispose();
        _clients.Clear();
    }
}
