namespace Starling.Broker.Storage;

/// <summary>
/// A store in process memory: state survives a broker being stopped and a new one started on the same store object
/// (tests, an embedding application that restarts its broker), not the process. The reference implementation of the
/// store contract.
/// </summary>
public sealed class InMemoryStore : IBrokerStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, StoredSession> _sessions = [];
    private readonly Dictionary<(long SessionId, string Filter), StoredSubscription> _subscriptions = [];
    private readonly Dictionary<long, StoredMessage> _messages = [];
    private readonly Dictionary<long, StoredDelivery> _deliveries = [];
    private readonly HashSet<(long SessionId, ushort PacketId)> _inbound = [];
    private readonly Dictionary<string, long> _retained = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Description => "in-memory store";

    /// <summary>Batches written so far.</summary>
    public long WriteCount { get; private set; }

    /// <inheritdoc />
    public StoreSnapshot Load()
    {
        var snapshot = new StoreSnapshot();
        lock (_lock)
        {
            snapshot.Sessions.AddRange(_sessions.Values);
            snapshot.Subscriptions.AddRange(_subscriptions.Values);
            snapshot.Messages.AddRange(_messages.Values);
            snapshot.Deliveries.AddRange(_deliveries.Values);
            snapshot.InboundQoS2.AddRange(_inbound.Select(i => new StoredInboundQoS2(i.SessionId, i.PacketId)));
            snapshot.Retained.AddRange(_retained.Select(r => new StoredRetained(r.Key, r.Value)));
        }

        return snapshot;
    }

    /// <inheritdoc />
    public void Write(IReadOnlyList<StoreChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_lock)
        {
            foreach (var change in changes)
            {
                Apply(change);
            }

            WriteCount++;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Apply(in StoreChange change)
    {
        switch (change.Kind)
        {
            case StoreChangeKind.SessionSaved:
                _sessions[change.SessionId] = change.Session;
                break;
            case StoreChangeKind.SessionDeleted:
                DeleteSession(change.SessionId);
                break;
            case StoreChangeKind.SubscriptionSaved:
                _subscriptions[(change.SessionId, change.Text!)] = change.Subscription;
                break;
            case StoreChangeKind.SubscriptionDeleted:
                _subscriptions.Remove((change.SessionId, change.Text!));
                break;
            case StoreChangeKind.MessageAdded:
                _messages[change.Id] = change.Message;
                break;
            case StoreChangeKind.MessageDeleted:
                _messages.Remove(change.Id);
                break;
            case StoreChangeKind.DeliveryAdded:
                _deliveries[change.Id] = new StoredDelivery(change.Id, change.SessionId, change.MessageId, change.QoS, change.Retain,
                    change.SubscriptionIds is { } ids ? [.. ids] : null, change.PacketId, change.State);
                break;
            case StoreChangeKind.DeliveryUpdated:
                if (_deliveries.TryGetValue(change.Id, out var delivery))
                {
                    _deliveries[change.Id] = delivery with { PacketId = change.PacketId, State = change.State };
                }

                break;
            case StoreChangeKind.DeliveryDeleted:
                _deliveries.Remove(change.Id);
                break;
            case StoreChangeKind.InboundAdded:
                _inbound.Add((change.SessionId, change.PacketId));
                break;
            case StoreChangeKind.InboundDeleted:
                _inbound.Remove((change.SessionId, change.PacketId));
                break;
            case StoreChangeKind.RetainedSet:
                _retained[change.Text!] = change.MessageId;
                break;
            case StoreChangeKind.RetainedDeleted:
                _retained.Remove(change.Text!);
                break;
            case StoreChangeKind.None:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change.Kind, "Unknown store change.");
        }
    }

    private void DeleteSession(long sessionId)
    {
        _sessions.Remove(sessionId);
        foreach (var key in _subscriptions.Keys.Where(k => k.SessionId == sessionId).ToList())
        {
            _subscriptions.Remove(key);
        }

        foreach (var id in _deliveries.Values.Where(d => d.SessionId == sessionId).Select(d => d.Id).ToList())
        {
            _deliveries.Remove(id);
        }

        _inbound.RemoveWhere(i => i.SessionId == sessionId);
    }
}
