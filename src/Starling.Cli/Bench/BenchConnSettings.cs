namespace Starling.Cli.Bench;

/// <summary>What <c>bench conn</c> does: how many connections, how fast, held how long, and whose memory to watch.</summary>
internal sealed record BenchConnSettings
{
    public required BenchTarget Target { get; init; }

    public int Connections { get; init; } = 1000;

    public int Concurrency { get; init; } = 100;

    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(5);

    public bool Subscribe { get; init; }

    public int? BrokerPid { get; init; }

    public string IdPrefix { get; init; } = $"bench-conn-{Environment.ProcessId}";

    public int FirstIndex { get; init; }
}
