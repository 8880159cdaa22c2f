using System.Text.Json.Serialization;

namespace Starling.Cli.Bench;

/// <summary>What one run measured (the JSON of <c>--json</c>).</summary>
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
}
