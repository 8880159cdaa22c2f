using System.Text.Json.Serialization;

namespace Starling.Cli.Bench;

/// <summary>What one <c>bench run</c> measured (the JSON of <c>--json</c>).</summary>
internal sealed record BenchResult
{
    [JsonPropertyName("scenario")]
    public required string Scenario { get; init; }

    [JsonPropertyName("qos")]
    public int QoS { get; init; }

    [JsonPropertyName("publishers")]
    public int Publishers { get; init; }

    [JsonPropertyName("subscribers")]
    public int Subscribers { get; init; }

    [JsonPropertyName("persistent")]
    public bool Persistent { get; init; }

    [JsonPropertyName("payload")]
    public int Payload { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    [JsonPropertyName("sent_per_s")]
    public double SentPerSecond { get; init; }

    [JsonPropertyName("received_per_s")]
    public double ReceivedPerSecond { get; init; }

    [JsonPropertyName("p50_us")]
    public double P50Microseconds { get; init; }

    [JsonPropertyName("p99_us")]
    public double P99Microseconds { get; init; }

    [JsonPropertyName("p999_us")]
    public double P999Microseconds { get; init; }

    [JsonPropertyName("sent")]
    public long Sent { get; init; }

    [JsonPropertyName("received")]
    public long Received { get; init; }

    [JsonPropertyName("lost")]
    public long Lost { get; init; }

    [JsonPropertyName("duplicates")]
    public long Duplicates { get; init; }

    [JsonPropertyName("reordered")]
    public long Reordered { get; init; }

    [JsonPropertyName("bench_cpu_percent")]
    public double BenchCpuPercent { get; init; }

    /// <summary>The shared-subscription group of the subscribers; null without one.</summary>
    [JsonPropertyName("shared")]
    public string? Shared { get; init; }

    /// <summary>Idle clients held open during the run.</summary>
    [JsonPropertyName("idle")]
    public int Idle { get; init; }

    /// <summary>Connections dropped or failed during the run (any makes the exit code 1).</summary>
    [JsonPropertyName("connection_errors")]
    public int ConnectionErrors { get; init; }
}
