namespace InsightPulse.Core.ScoutData;

/// <summary>
/// A small deterministic pseudo-random generator (SplitMix64): the same seed gives the same sequence on every
/// machine and .NET version, which <see cref="System.Random"/> does not promise. Not for anything secret.
/// </summary>
internal sealed class SplitMixRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A generator for one stream (e.g. one tenant) derived from a seed and a stream number.</summary>
    public static SplitMixRandom For(long seed, int stream) =>
        new(Mix(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ Mix((ulong)stream + 0x632BE59BD9B4E019UL)));

    public ulong NextUInt64()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>Approximately normal (sum of uniforms).</summary>
    public double Normal(double mean, double deviation) =>
        mean + deviation * (NextDouble() + NextDouble() + NextDouble() + NextDouble() - 2.0) * 1.7320508075688772;

    /// <summary>An index picked with the given cumulative weights (ascending, last = total).</summary>
    public int Pick(double[] cumulative)
    {
        var x = NextDouble() * cumulative[^1];
        var index = Array.BinarySearch(cumulative, x);
        index = index < 0 ? ~index : index + 1;
        return Math.Min(index, cumulative.Length - 1);
    }

    public static double[] Cumulative(IEnumerable<double> weights)
    {
        var total = 0.0;
        return weights.Select(w => total += w).ToArray();
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
