using Starling.Broker.Routing;
using Starling.Broker.Sessions;

namespace Starling.Broker.Storage;

/// <summary>
/// Rebuilds the broker's state from a loaded store before it accepts connections: retained messages, persistent
/// sessions with their subscriptions, queued and in-flight messages (in delivery order) and inbound QoS 2 ids. What
/// expired while the broker was down goes through the normal paths: housekeeping ends expired sessions and publishes
/// due wills; expired messages are dropped when their turn comes. Rows nothing refers to are deleted.
/// </summary>
internal static class StoreRecovery
{
    public static void Restore(MqttBroker broker, StoreSnapshot snapshot, StoreJournal journal)
    {
        // Session ids continue after every id any row mentions, so a new session never inherits a leftover row.
        journal.StartAfter(
            snapshot.Sessions.Select(s => s.Id).Concat(snapshot.Subscriptions.Select(s => s.SessionId))
                .Concat(snapshot.Deliveries.Select(d => d.SessionId)).Concat(snapshot.InboundQoS2.Select(i => i.SessionId)).DefaultIfEmpty(0).Max(),
            snapshot.Messages.Count == 0 ? 0 : snapshot.Messages.Max(m => m.Id),
            snapshot.Deliveries.Count == 0 ? 0 : snapshot.Deliveries.Max(d => d.Id));

        var now = Environment.TickCount64;
        var wallNow = DateTimeOffset.UtcNow;
        var messages = new Dictionary<long, BrokerMessage>(snapshot.Messages.Count);
        foreach (var stored in snapshot.Messages)
        {
            var expiresAt = stored.ExpiresAt is { } at ? now + (long)(at - wallNow).TotalMilliseconds : long.MaxValue;
            messages[stored.Id] = BrokerMessage.Loaded(stored.Packet, stored.PublisherClientId, expiresAt);
        }

        foreach (var retained in snapshot.Retained)
        {
            if (messages.TryGetValue(retained.MessageId, out var message) && !message.IsExpired(now) && broker.Retained.Restore(message))
            {
                StoreJournal.AddLoadedReference(message, retained.MessageId);
            }
            else
            {
                journal.Record(StoreChange.RetainedDeleted(retained.Topic));
            }
        }

        var sessions = RestoreSessions(broker, snapshot, journal, now, wallNow);
        foreach (var stored in snapshot.Subscriptions)
        {
            if (sessions.TryGetValue(stored.SessionId, out var session))
            {
                var subscription = new Subscription(session, stored.Options, stored.SubscriptionId);
                session.Subscriptions[subscription.Filter] = subscription;
                session.SubscriptionCount = session.Subscriptions.Count;
                broker.Trie.Add(subscription);
            }
            else
            {
                journal.Record(StoreChange.SubscriptionDeleted(stored.SessionId, stored.Options.TopicFilter));
            }
        }

        foreach (var stored in snapshot.Deliveries.OrderBy(d => d.Id))
        {
            // A queued message that expired while the broker was down is deleted, not delivered [MQTT-3.3.2-5].
            int[]? ids = stored.SubscriptionIds is { Count: > 0 } list ? [.. list] : null;
            if (!sessions.TryGetValue(stored.SessionId, out var session) || !messages.TryGetValue(stored.MessageId, out var message)
                || (stored.State == DeliveryState.Queued && message.IsExpired(now))
                || !session.Restore(new Delivery(message, stored.QoS, stored.Retain, new SubscriptionIds(ids), group: null, storeId: stored.Id), stored.PacketId, stored.State))
            {
                journal.Record(StoreChange.DeliveryDeleted(stored.Id));
                continue;
            }

            StoreJournal.AddLoadedReference(message, stored.MessageId);
        }

        foreach (var stored in snapshot.InboundQoS2)
        {
            if (sessions.TryGetValue(stored.SessionId, out var session))
            {
                session.InboundQoS2[stored.PacketId] = now;
            }
            else
            {
                journal.Record(StoreChange.InboundDeleted(stored.SessionId, stored.PacketId));
            }
        }

        foreach (var (id, message) in messages)
        {
            if (message.StoreReferences == 0)
            {
                journal.Record(StoreChange.MessageDeleted(id));
            }
        }
    }

    private static Dictionary<long, Session> RestoreSessions(MqttBroker broker, StoreSnapshot snapshot, StoreJournal journal, long now, DateTimeOffset wallNow)
    {
        var byClientId = new Dictionary<string, StoredSession>(StringComparer.Ordinal);
        foreach (var stored in snapshot.Sessions)
        {
            if (byClientId.TryGetValue(stored.ClientId, out var other))
            {
                // Only the newest session of a client id is live; an older one is left over from a write cut short.
                var older = other.Id < stored.Id ? other : stored;
                journal.Record(StoreChange.SessionDeleted(older.Id));
                if (older == stored)
                {
                    continue;
                }
            }

            byClientId[stored.ClientId] = stored;
        }

        var sessions = new Dictionary<long, Session>(byClientId.Count);
        foreach (var stored in byClientId.Values)
        {
            var session = new Session(stored.ClientId, broker.Options, journal);
            session.Restore(stored, now, wallNow);
            broker.Sessions.Restore(session);
            sessions[stored.Id] = session;
        }

        return sessions;
    }
}
