namespace InsightPulse.Testing;

/// <summary>
/// One platform for all the tests of a class (a class fixture): set up by the first test that asks for it, on the
/// lane's server, disposed after the class. Tests that change it must undo their change.
/// xunit runs a class's tests one after another, before the next class of the lane resets the server.
/// </summary>
public sealed class SharedPlatform : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PlatformScope? _scope;

    public async Task<PlatformScope> GetAsync(PostgresFixture postgres, Func<PlatformScope, Task> setUp)
    {
        ArgumentNullException.ThrowIfNull(setUp);
        await _gate.WaitAsync();
        try
        {
            if (_scope is null)
            {
                var scope = await PlatformScope.CreateAsync(postgres);
                await setUp(scope);
                _scope = scope;
            }
            return _scope;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_scope is not null) await _scope.DisposeAsync();
        _gate.Dispose();
    }
}
