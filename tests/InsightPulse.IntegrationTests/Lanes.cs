namespace InsightPulse.IntegrationTests;

/// <summary>
/// The lanes this project's test classes run in. A lane is a collection with a PostgreSQL server of its own
/// (<see cref="PostgresFixture"/>): lanes run at the same time, the classes of a lane one after another, each on a server
/// it empties first. A class joins a lane with <c>[Collection(Lanes.X)]</c>. The lanes are balanced by how long their
/// classes take on a loaded 2-core machine: A holds the pool-leak hammers, B the PgBouncer hammer and fault injection,
/// C provisioning and the Scout generator, each with smaller classes beside them; move a class when a lane grows.
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
