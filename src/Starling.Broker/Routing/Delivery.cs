using Starling.Protocol;

namespace Starling.Broker.Routing;

/// <summary>What one subscriber gets of a message: the shared message plus its own QoS, RETAIN and subscription ids.</summary>
internal readonly struct Delivery
{
    public Delivery(BrokerMessage message, QualityOfService qos, bool retain, SubscriptionIds subscriptionIds, SharedGroup? group = null, long storeId = 0)
    {
        Message = message;
        QoS = qos;
        Retain = retain;
        SubscriptionIds = subscriptionIds;
        Group = group;
        StoreId = storeId;
    }

    public BrokerMessage Message { get; }

    public QualityOfService QoS { get; }

    public bool Retain { get; }

    public SubscriptionIds SubscriptionIds { get; }

    /// <summary>The shared subscription group that chose this session, so an undelivered message can go to another member.</summary>
    public SharedGroup? Group { get; }

    /// <summary>The stored delivery's id while a persistent session holds it; 0 otherwise.</summary>
    public long StoreId { get; }

    public Delivery WithStoreId(long storeId) => new(Message, QoS, Retain, SubscriptionIds, Group, storeId);
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

    /// <summary>The identifiers' array (shared, never modified); null when none.</summary>
    public int[]? Array => _ids;

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
