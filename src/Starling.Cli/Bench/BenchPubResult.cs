using System.Text.Json.Serialization;

namespace Starling.Cli.Bench;

/// <summary>What one <c>bench pub</c> did (the JSON of <c>--json</c>).</summary>
internal sealed record BenchPubResult
{
    [JsonPropertyName("clients")]
    public int Clients { get; init; }

    [JsonPropertyName("qos")]
    public int QoS { get; init; }

    [JsonPropertyName("payload")]
    public int Payload { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    [JsonPropertyName("sent")]
    public long Sent { get; init; }

    [JsonPropertyName("sent_per_s")]
    public double SentPerSecond { get; init; }

    /// <summary>QoS 1/2 messages acknowledged (PUBACK, PUBCOMP) by the end.</summary>
    [JsonPropertyName("acknowledged")]
    public long Acknowledged { get; init; }

    /// <summary>QoS 1/2 messages refused with a failure reason code or never acknowledged: possibly lost.</summary>
    [JsonPropertyName("unacknowledged")]
    public long Unacknowledged { get; init; }

    [JsonPropertyName("connection_errors")]
    public int ConnectionErrors { get; init; }

    [JsonPropertyName("bench_cpu_percent")]
    public double BenchCpuPercent { get; init; }
}
