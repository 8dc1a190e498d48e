namespace InsightPulse.Testing;

/// <summary>
/// A second PostgreSQL server beside a lane's (a class fixture): always a throwaway managed cluster on a loopback
/// port of its own, for tests of a fleet across servers. Each test empties it first (<see cref="PostgresFixture.ResetAsync"/>).
/// </summary>
public sealed class SecondServer : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new() { AlwaysManaged = true };

    public Task InitializeAsync() => Postgres.InitializeAsync();

    public Task DisposeAsync() => Postgres.DisposeAsync();
}
