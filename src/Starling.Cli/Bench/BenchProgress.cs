using System.Diagnostics;

namespace Starling.Cli.Bench;

/// <summary>Waits for a period, calling back once a second (and at the end) with the seconds since the last call.</summary>
internal static class BenchProgress
{
    public static async Task EverySecondAsync(TimeSpan period, Action<double> tick, CancellationToken cancellationToken)
    {
        var end = Stopwatch.GetTimestamp() + (long)(period.TotalSeconds * Stopwatch.Frequency);
        var last = Stopwatch.GetTimestamp();
        while (true)
        {
            // Whole milliseconds, rounded up: a delay under one millisecond returns at once and would spin.
            var remaining = Math.Ceiling((end - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency);
            if (remaining <= 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, remaining)), cancellationToken).ConfigureAwait(false); // ok-to-sleep: the reporting period
            var now = Stopwatch.GetTimestamp();
            tick((now - last) / (double)Stopwatch.Frequency);
            last = now;
        }
    }
}
