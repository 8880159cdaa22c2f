using System.Collections.Concurrent;
using Starling.Broker.Connections;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker.Sessions;

/// <summary>
/// Sessions by client id. Opening, taking over and ending sessions is serialised by one lock (connects are rare next
/// to messages); lookups are lock-free.
/// </summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly MqttBroker _broker;

    public SessionRegistry(MqttBroker broker)
    {
        _broker = broker;
    }

    public int Count => _sessions.Count;

    public IEnumerable<Session> All
    {
        get
        {
            // Enumerated in place: Values would copy every session, and housekeeping asks 4 times a second.
            foreach (var (_, session) in _sessions)
            {
                yield return session;
            }
        }
    }

    public Session? Find(string clientId) => _sessions.GetValueOrDefault(clientId);

    /// <summary>Adds a session loaded from the store (before the broker accepts connections); the newest wins a client id.</summary>
    public void Restore(Session session)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(session.ClientId, out var existing) || existing.StoreId < session.StoreId)
            {
                _sessions[session.ClientId] = session;
            }
        }
    }

    /// <summary>
    /// Finds or creates the session for a CONNECT and reserves it for <paramref name="connection"/>, all under one
    /// lock, so no other connect, expiry or close can slip between. A connection already using the client id is taken
    /// over: it gets DISCONNECT 0x8E and is closed [MQTT-3.1.4-3]; its will is published unless it is delayed and the
    /// session continues. Clean Start discards the old session [MQTT-3.1.2-4], and so does an old session whose expiry
    /// was 0: its state must not be reused [MQTT-3.1.2-6] (3.1.1).
    /// </summary>
    public (Session Session, bool Present) Open(string clientId, bool cleanStart, uint expiryInterval, MqttConnection connection)
    {
        MqttConnection? previous = null;
        WillMessage? previousWill = null;
        Session? ended = null;
        Session session;
        bool present;
        lock (_lock)
        {
            if (_sessions.TryGetValue(clientId, out var existing))
            {
                previous = existing.Owner;
                if (previous is not null)
                {
                    previousWill = previous.TakeWill();
                    existing.Detach(previous, will: null, willDelay: 0, out _);
                }

                if (cleanStart || existing.ExpiryInterval == 0 || IsExpired(existing, Environment.TickCount64))
                {
                    ended = existing;
                    existing = null;
                }
            }

            present = existing is not null;
            session = existing ?? new Session(clientId, _broker.Options, _broker.Journal);
            session.Reserve(connection, expiryInterval);
            _sessions[clientId] = session;
        }

        previous?.Close(ReasonCode.SessionTakenOver, "session taken over by a new connection");
        if (ended is not null)
        {
            _broker.EndSession(ended);
        }

        if (previousWill is not null && (!present || (previousWill.WillDelayInterval ?? 0) == 0))
        {
            _broker.PublishWill(previousWill, clientId);
        }

        return (session, present);
    }

    /// <summary>Ends <paramref name="session"/> if it is still registered and offline. True when it ended.</summary>
    public bool TryEnd(Session session)
    {
        lock (_lock)
        {
            if (session.IsOnline || !_sessions.TryGetValue(session.ClientId, out var current) || current != session)
            {
                return false;
            }

            _sessions.TryRemove(session.ClientId, out _);
        }

        _broker.EndSession(session);
        return true;
    }

    public static bool IsExpired(Session session, long now) =>
        !session.IsOnline && session.ExpiryInterval != uint.MaxValue && now - session.DisconnectedAt >= session.ExpiryInterval * 1000L;
}
