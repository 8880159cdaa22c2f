using System.Diagnostics;
using System.Numerics;

namespace Starling.Cli.Bench;

/// <summary>
/// End-to-end latencies in stopwatch ticks, counted in log-linear buckets: exact below 128 ticks, then 64 buckets per
/// power of two (within 1.6%). Constant memory and no allocation per value, where a list of every latency would take
/// 8 bytes per message. One writer; a reader on another thread sees counts at most one value behind.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Linear = 128;
    private const int PerOctave = 64;
    private const int MaxExponent = 42; // 2^42 ns is over an hour: later values share the last bucket
    private readonly long[] _counts = new long[Linear + ((MaxExponent - 6) * PerOctave)];

    public long Count { get; private set; }

    public void Record(long ticks)
    {
        _counts[IndexOf(Math.Max(0, ticks))]++;
        Count++;
    }

    /// <summary>Adds every count of <paramref name="other"/> to this one.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>A copy, for a reader that wants the change since the last copy.</summary>
    public LatencyHistogram Snapshot()
    {
        var copy = new LatencyHistogram();
        copy.Add(this);
        return copy;
    }

    /// <summary>The counts of this one less those of an earlier <see cref="Snapshot"/>.</summary>
    public LatencyHistogram Since(LatencyHistogram earlier)
    {
        var delta = Snapshot();
        for (var i = 0; i < _counts.Length; i++)
        {
            delta._counts[i] -= earlier._counts[i];
        }

        delta.Count -= earlier.Count;
        return delta;
    }

    /// <summary>The latency in microseconds (one decimal) below which <paramref name="fraction"/> of the values lie; 0 when empty.</summary>
    public double PercentileMicroseconds(double fraction)
    {
        var total = 0L;
        foreach (var count in _counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(fraction * total));
        var seen = 0L;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Round(MidpointOf(i) * 1_000_000.0 / Stopwatch.Frequency, 1);
            }
        }

        return Math.Round(MidpointOf(_counts.Length - 1) * 1_000_000.0 / Stopwatch.Frequency, 1);
    }

    private static int IndexOf(long value)
    {
        if (value < Linear)
        {
            return (int)value;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)value); // at least 7
        if (exponent >= MaxExponent)
        {
            return Linear + ((MaxExponent - 7) * PerOctave) + PerOctave - 1;
        }

        var shift = exponent - 6;
        var mantissa = (int)(value >> shift); // 64..127
        return Linear + ((exponent - 7) * PerOctave) + (mantissa - PerOctave);
    }

    private static double MidpointOf(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var exponent = ((index - Linear) / PerOctave) + 7;
        var mantissa = ((index - Linear) % PerOctave) + PerOctave;
        var shift = exponent - 6;
        return ((double)mantissa + 0.5) * (1L << shift);
    }
}
