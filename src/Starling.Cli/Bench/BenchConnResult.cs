using System.Text.Json.Serialization;

namespace Starling.Cli.Bench;

/// <summary>What one <c>bench conn</c> measured (the JSON of <c>--json</c>).</summary>
internal sealed record BenchConnResult
{
    /// <summary>Connections established (CONNACK, and SUBACK with <c>--subscribe</c>).</summary>
    [JsonPropertyName("connections")]
    public int Connections { get; init; }

    /// <summary>Connection attempts that failed (refused, reset, timed out).</summary>
    [JsonPropertyName("failed")]
    public int Failed { get; init; }

    /// <summary>Established connections the broker closed while they were held.</summary>
    [JsonPropertyName("dropped")]
    public int Dropped { get; init; }

    [JsonPropertyName("subscribed")]
    public bool Subscribed { get; init; }

    /// <summary>From the start of the first connect to the last CONNACK (or SUBACK).</summary>
    [JsonPropertyName("connect_seconds")]
    public double ConnectSeconds { get; init; }

    [JsonPropertyName("connects_per_s")]
    public double ConnectsPerSecond { get; init; }

    [JsonPropertyName("hold_seconds")]
    public double HoldSeconds { get; init; }

    /// <summary>The broker's VmRSS before the first connect; null without <c>--broker-pid</c>.</summary>
    [JsonPropertyName("rss_bytes_before")]
    public long? RssBytesBefore { get; init; }

    /// <summary>The broker's VmRSS with every connection open (2 s into the hold, or at its end if shorter).</summary>
    [JsonPropertyName("rss_bytes_after")]
    public long? RssBytesAfter { get; init; }

    [JsonPropertyName("rss_per_connection_bytes")]
    public long? RssPerConnectionBytes { get; init; }

    /// <summary>The bench's CPU while connecting, in percent of one core.</summary>
    [JsonPropertyName("bench_cpu_percent")]
    public double BenchCpuPercent { get; init; }
}
