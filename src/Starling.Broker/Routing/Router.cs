using Starling.Protocol;

namespace Starling.Broker.Routing;

/// <summary>
/// Routes a message to every matching subscription: one delivery per session at the highest granted QoS with every
/// matching subscription identifier [MQTT-3.3.4-2], [MQTT-3.3.4-3], and one member per shared group.
/// </summary>
internal sealed class Router
{
    [ThreadStatic]
    private static RouteMatches? t_matches;

    private readonly SubscriptionTrie _trie;
    private readonly SharedSubscriptionStrategy _strategy;

    public Router(SubscriptionTrie trie, SharedSubscriptionStrategy strategy)
    {
        _trie = trie;
        _strategy = strategy;
    }

    /// <summary>Delivers <paramref name="message"/>; returns how many sessions it reached.</summary>
    public int Route(BrokerMessage message)
    {
        var matches = t_matches ??= new RouteMatches();
        _trie.Match(message.Topic, matches);
        var count = 0;
        try
        {
            foreach (var subscription in matches.Subscriptions)
            {
                count += Deliver(subscription, message, subscription.MaximumQoS, subscription.Options.RetainAsPublished, new SubscriptionIds(subscription.IdArray));
            }

            if (matches.Overlapping.Count > 0)
            {
                count += DeliverOverlapping(matches.Overlapping, message);
            }

            foreach (var group in matches.Groups)
            {
                if (group.Pick(_strategy) is { } member)
                {
                    count += DeliverToMember(member, message, group);
                }
            }
        }
        finally
        {
            matches.Clear();
        }

        return count;
    }

    /// <summary>Sends a message to the chosen member of a shared subscription group.</summary>
    public static int DeliverToMember(Subscription member, BrokerMessage message, SharedGroup group)
    {
        var qos = (QualityOfService)Math.Min((int)message.Packet.QoS, (int)member.MaximumQoS);
        member.Session.Deliver(new Delivery(message, qos, member.Options.RetainAsPublished && message.Packet.Retain, new SubscriptionIds(member.IdArray), group));
        return 1;
    }

    private static int Deliver(Subscription subscription, BrokerMessage message, QualityOfService granted, bool retainAsPublished, SubscriptionIds ids)
    {
        // No Local: never send a client its own publication [MQTT-3.8.3-3].
        if (subscription.Options.NoLocal && message.PublisherClientId == subscription.Session.ClientId)
        {
            return 0;
        }

        var qos = (QualityOfService)Math.Min((int)message.Packet.QoS, (int)granted);

        // Routed messages carry RETAIN=0 unless the subscription asked for Retain As Published [MQTT-3.3.1-12], [MQTT-3.3.1-13].
        subscription.Session.Deliver(new Delivery(message, qos, retainAsPublished && message.Packet.Retain, ids));
        return 1;
    }

    /// <summary>Merges the matching subscriptions of each session with several into one delivery.</summary>
    private static int DeliverOverlapping(List<Subscription> overlapping, BrokerMessage message)
    {
        var count = 0;
        for (var i = 0; i < overlapping.Count; i++)
        {
            var session = overlapping[i]?.Session;
            if (session is null)
            {
                continue;
            }

            var eligible = false;
            var granted = QualityOfService.AtMostOnce;
            var retainAsPublished = false;
            var ids = default(SubscriptionIds);
            Subscription? chosen = null;
            for (var j = i; j < overlapping.Count; j++)
            {
                var candidate = overlapping[j];
                if (candidate?.Session != session)
                {
                    continue;
                }

                overlapping[j] = null!;
                if (candidate.Options.NoLocal && message.PublisherClientId == session.ClientId)
                {
                    continue;
                }

                eligible = true;
                chosen ??= candidate;
                granted = (QualityOfService)Math.Max((int)granted, (int)candidate.MaximumQoS);
                retainAsPublished |= candidate.Options.RetainAsPublished;
                ids = SubscriptionIds.Combine(ids, candidate.IdArray);
            }

            if (eligible)
            {
                var qos = (QualityOfService)Math.Min((int)message.Packet.QoS, (int)granted);
                chosen!.Session.Deliver(new Delivery(message, qos, retainAsPublished && message.Packet.Retain, ids));
                count++;
            }
        }

        return count;
    }
}
