using Starling.Broker.Sessions;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Protocol.Topics;

namespace Starling.Broker.Routing;

/// <summary>One filter of one session, as stored in the subscription trie.</summary>
internal sealed class Subscription
{
    public Subscription(Session session, TopicSubscription options, int subscriptionId)
    {
        Session = session;
        Options = options;
        SubscriptionId = subscriptionId;
        IdArray = subscriptionId == 0 ? null : [subscriptionId];
        if (SharedSubscription.TryParse(options.TopicFilter, out string share, out string filter))
        {
            ShareName = share;
            TopicFilter = filter;
        }
        else
        {
            TopicFilter = options.TopicFilter;
        }
    }

    public Session Session { get; }

    /// <summary>The filter as the client sent it, <c>$share/...</c> included: the session's key for it.</summary>
    public string Filter => Options.TopicFilter;

    /// <summary>The filter matched against topics (without the <c>$share/{name}/</c> prefix).</summary>
    public string TopicFilter { get; }

    /// <summary>The share name of a shared subscription; null otherwise.</summary>
    public string? ShareName { get; }

    public TopicSubscription Options { get; }

    public QualityOfService MaximumQoS => Options.MaximumQoS;

    public int SubscriptionId { get; }

    public int[]? IdArray { get; }
}
