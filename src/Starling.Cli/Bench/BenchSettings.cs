using System.Net;
using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>One load scenario: who publishes what to whom, how fast and for how long.</summary>
internal sealed record BenchSettings
{
    public required IPEndPoint EndPoint { get; init; }

    /// <summary><c>pairs</c> (publisher i to subscriber i on topic i) or <c>fanin</c> (every publisher to every subscriber on one topic).</summary>
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

    /// <summary>Messages per publisher sent but not yet received by every subscriber: bounds queueing at maximum rate.</summary>
    public int EndToEndWindow { get; init; } = 1000;

    /// <summary>Subscribers keep persistent sessions (clean session 0, MQTT 5 expiry 300 s).</summary>
    public bool Persistent { get; init; }

    public ProtocolVersion Version { get; init; } = ProtocolVersion.V311;

    public string TopicPrefix { get; init; } = $"bench/{Environment.ProcessId}";
}
