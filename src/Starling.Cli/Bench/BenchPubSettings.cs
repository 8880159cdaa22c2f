using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>What <c>bench pub</c> does: how many publishers, to which topics, how fast and for how long.</summary>
internal sealed record BenchPubSettings
{
    public required BenchTarget Target { get; init; }

    public int Clients { get; init; } = 1;

    /// <summary>Topic of each client: <c>%i</c> is its index, <c>%c</c> its client id.</summary>
    public required string TopicPattern { get; init; }

    public QualityOfService QoS { get; init; }

    public int PayloadSize { get; init; } = 64;

    /// <summary>Messages per second per client; 0 for as fast as the QoS window and the send queue allow.</summary>
    public int Rate { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unacknowledged QoS 1/2 messages per client.</summary>
    public int Window { get; init; } = 100;

    public string IdPrefix { get; init; } = $"bench-pub-{Environment.ProcessId}";

    /// <summary>Index of the first client: the publisher index in its payloads, so that several pub processes can be told apart.</summary>
    public int FirstIndex { get; init; }
}
