using System.Diagnostics;

namespace Starling.Cli.Bench;

/// <summary>
/// The bench process's own CPU use over an interval, in percent of one core (200 = two cores busy): a generator near
/// its core count is the bottleneck, and its figures say more about itself than about the broker.
/// </summary>
internal readonly struct CpuMeter
{
    private readonly TimeSpan _cpu;
    private readonly long _at;

    private CpuMeter(TimeSpan cpu, long at)
    {
        _cpu = cpu;
        _at = at;
    }

    public static CpuMeter Start() => new(Environment.CpuUsage.TotalTime, Stopwatch.GetTimestamp());

    public double Percent()
    {
        var seconds = Stopwatch.GetElapsedTime(_at).TotalSeconds;
        return seconds <= 0 ? 0 : Math.Round((Environment.CpuUsage.TotalTime - _cpu).TotalSeconds / seconds * 100);
    }
}
