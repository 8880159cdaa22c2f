using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>One <c>bench run</c> scenario: who publishes what to whom, how fast and for how long.</summary>
internal sealed record BenchSettings
{
    public required BenchTarget Target { get; init; }

    /// <summary>
    /// <c>pairs</c> (publisher i to subscriber i on topic i), <c>fanin</c> (every publisher to every subscriber) or
    /// <c>fanout</c> (the same with one publisher by default: each message reaches every subscriber).
    /// </summary>
    public required string Scenario { get; init; }

    public int Publishers { get; init; } = 10;

    public int Subscribers { get; init; } = 10;

    public QualityOfService QoS { get; init; } = QualityOfService.AtMostOnce;

    public int PayloadSize { get; init; } = 64;

    /// <summary>Messages per second per publisher; 0 for as fast as the windows allow.</summary>
    public int Rate { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Unacknowledged QoS 1/2 messages per publisher.</summary>
    public int Window { get; init; } = 100;

    /// <summary>Messages per publisher and receiver sent but not yet received: bounds queueing at maximum rate.</summary>
    public int EndToEndWindow { get; init; } = 1000;

    /// <summary>Subscribers keep persistent sessions (clean session 0, MQTT 5 expiry 300 s).</summary>
    public bool Persistent { get; init; }

    /// <summary>Subscribers join this shared-subscription group; null for ordinary subscriptions.</summary>
    public string? SharedGroup { get; init; }

    /// <summary>Idle clients connected (each subscribed to its own topic) before the load starts and held during it.</summary>
    public int Idle { get; init; }

    /// <summary>
    /// Publisher topic; <c>%i</c> is the publisher index. Null for the default: <c>bench/PID/%i</c> for pairs,
    /// <c>bench/PID/all</c> otherwise.
    /// </summary>
    public string? TopicPattern { get; init; }

    public string TopicPrefix { get; init; } = $"bench/{Environment.ProcessId}";
}
