using System.Text.Json.Serialization;

namespace Starling.Cli.Bench;

/// <summary>What one <c>bench sub</c> received (the JSON of <c>--json</c>).</summary>
internal sealed record BenchSubResult
{
    [JsonPropertyName("clients")]
    public int Clients { get; init; }

    [JsonPropertyName("qos")]
    public int QoS { get; init; }

    [JsonPropertyName("shared")]
    public string? Shared { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    /// <summary>Every PUBLISH received, copies included.</summary>
    [JsonPropertyName("received")]
    public long Received { get; init; }

    [JsonPropertyName("received_per_s")]
    public double ReceivedPerSecond { get; init; }

    /// <summary>How many publishers (payload indexes) were heard from.</summary>
    [JsonPropertyName("publishers")]
    public int Publishers { get; init; }

    [JsonPropertyName("p50_us")]
    public double P50Microseconds { get; init; }

    [JsonPropertyName("p99_us")]
    public double P99Microseconds { get; init; }

    [JsonPropertyName("p999_us")]
    public double P999Microseconds { get; init; }

    [JsonPropertyName("duplicates")]
    public long Duplicates { get; init; }

    [JsonPropertyName("reordered")]
    public long Reordered { get; init; }

    /// <summary>Sequences skipped and never filled in, per publisher, summed: loss the receiving side can see.</summary>
    [JsonPropertyName("lost_gaps")]
    public long LostGaps { get; init; }

    /// <summary>Payloads not written by <c>bench pub</c> (too short, impossible index): not counted above.</summary>
    [JsonPropertyName("foreign")]
    public long Foreign { get; init; }

    [JsonPropertyName("connection_errors")]
    public int ConnectionErrors { get; init; }

    [JsonPropertyName("bench_cpu_percent")]
    public double BenchCpuPercent { get; init; }
}
