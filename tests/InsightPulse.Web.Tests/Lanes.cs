namespace InsightPulse.Web.Tests;

/// <summary>
/// The lanes this project's test classes run in: each a collection with a PostgreSQL server of its own
/// (<see cref="PostgresFixture"/>); lanes run at the same time, the classes of a lane one after another. Browser tests
/// in one lane, sharing one platform and one Chromium (<see cref="BrowserPlatform"/>, so each leaves it as others
/// expect it: new tenants and records of their own only); HTTP tests in the other, each class on a platform of its own.
/// </summary>
public static class Lanes
{
    public const string Browser = "postgres lane browser";
    public const string Http = "postgres lane http";
}

[CollectionDefinition(Lanes.Browser)]
public sealed class BrowserLane : ICollectionFixture<PostgresFixture>, ICollectionFixture<BrowserPlatform>;

[CollectionDefinition(Lanes.Http)]
public sealed class HttpLane : ICollectionFixture<PostgresFixture>;
