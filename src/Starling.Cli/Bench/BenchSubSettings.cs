using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>What <c>bench sub</c> does: how many subscribers, to which filters, for how long.</summary>
internal sealed record BenchSubSettings
{
    public required BenchTarget Target { get; init; }

    public int Clients { get; init; } = 1;

    /// <summary>Filter of each client: <c>%i</c> is its index, <c>%c</c> its client id.</summary>
    public required string TopicPattern { get; init; }

    public QualityOfService QoS { get; init; }

    /// <summary>Every client subscribes as a member of this shared-subscription group; null for ordinary subscriptions.</summary>
    public string? SharedGroup { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public string IdPrefix { get; init; } = $"bench-sub-{Environment.ProcessId}";

    public int FirstIndex { get; init; }
}
