namespace InsightPulse.IntegrationTests;

/// <summary>
/// The lanes this project's test classes run in. A lane is a collection with a PostgreSQL server of its own
/// (<see cref="PostgresFixture"/>): lanes run at the same time, the classes of a lane one after another, each on a server
/// it empties first. A class joins a lane with <c>[Collection(Lanes.X)]</c>; the lanes are balanced by how long their
/// classes take (longest first: pool leak hammers, fault injection, provisioning), so move a class when a lane grows.
/// </summary>
public static class Lanes
{
    public const string A = "postgres lane A";
    public const string B = "postgres lane B";
    public const string C = "postgres lane C";
}

[CollectionDefinition(Lanes.A)]
public sealed class LaneA : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(Lanes.B)]
public sealed class LaneB : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(Lanes.C)]
public sealed class LaneC : ICollectionFixture<PostgresFixture>;
