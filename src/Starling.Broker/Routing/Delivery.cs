using Starling.Protocol;

namespace Starling.Broker.Routing;

/// <summary>What one subscriber gets of a message: the shared message plus its own QoS, RETAIN and subscription ids.</summary>
internal readonly struct Delivery
{
    public Delivery(BrokerMessage message, QualityOfService qos, bool retain, SubscriptionIds subscriptionIds, SharedGroup? group = null)
    {
        Message = message;
        QoS = qos;
        Retain = retain;
        SubscriptionIds = subscriptionIds;
        Group = group;
    }

    public BrokerMessage Message { get; }

    public QualityOfService QoS { get; }

    public bool Retain { get; }

    public SubscriptionIds SubscriptionIds { get; }

    /// <summary>The shared subscription group that chose this session, so an undelivered message can go to another member.</summary>
    public SharedGroup? Group { get; }
}

/// <summary>
/// The subscription identifiers to send with a delivery. A subscription keeps its identifier in a one-element array
/// made when it subscribed, so the common cases (none, one) allocate nothing per delivery.
/// </summary>
internal readonly struct SubscriptionIds
{
    private readonly int[]? _ids;

    public SubscriptionIds(int[]? ids)
    {
        _ids = ids;
    }

    public ReadOnlySpan<int> AsSpan() => _ids;

    public static SubscriptionIds Combine(SubscriptionIds a, int[]? b)
    {
        if (b is null || b.Length == 0)
        {
            return a;
        }

        var existing = a.AsSpan();
        if (existing.IsEmpty)
        {
            return new SubscriptionIds(b);
        }

        if (existing.Contains(b[0]))
        {
            return a;
        }

        return new SubscriptionIds([.. existing, b[0]]);
    }
}
