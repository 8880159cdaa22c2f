using System.Globalization;

namespace Starling.Benchmarks;

/// <summary>
/// Scales the data sets of the large benchmarks: <c>STARLING_BENCH_SCALE=0.01</c> runs them with 1% of the data
/// (the allocation budget check, where only bytes per operation matter); unset, they run at full size.
/// </summary>
internal static class BenchScale
{
    private static readonly double Factor =
        double.TryParse(Environment.GetEnvironmentVariable("STARLING_BENCH_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;

    public static int Of(int count) => Math.Max(1, (int)(count * Factor));
}
