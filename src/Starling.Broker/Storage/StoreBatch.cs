using Starling.Broker.Connections;

namespace Starling.Broker.Storage;

/// <summary>
/// The changes gathered while the previous batch was being written, and the acknowledgements that wait for them.
/// A change undone before its batch is written cancels out: a message delivered and acknowledged within one batch
/// is never written at all.
/// </summary>
internal sealed class StoreBatch
{
    private readonly Dictionary<long, int> _pendingDeliveries = [];
    private readonly Dictionary<long, int> _pendingMessages = [];
    private readonly Dictionary<long, int> _pendingInbound = [];

    public List<StoreChange> Changes { get; } = [];

    public List<PendingAck> Acks { get; } = [];

    public int LiveChanges { get; private set; }

    public bool IsEmpty => LiveChanges == 0 && Acks.Count == 0;

    public void Add(in StoreChange change)
    {
        var index = Changes.Count;
        Changes.Add(change);
        LiveChanges++;
        switch (change.Kind)
        {
            case StoreChangeKind.DeliveryAdded:
                _pendingDeliveries[change.Id] = index;
                break;
            case StoreChangeKind.MessageAdded:
                _pendingMessages[change.Id] = index;
                break;
            case StoreChangeKind.InboundAdded:
                _pendingInbound[InboundKey(change.SessionId, change.PacketId)] = index;
                break;
            default:
                break;
        }
    }

    /// <summary>Folds a state change into the delivery's pending insert; false when it is not pending here.</summary>
    public bool TryUpdatePendingDelivery(long id, ushort packetId, DeliveryState state)
    {
        if (!_pendingDeliveries.TryGetValue(id, out var index))
        {
            return false;
        }

        Changes[index] = Changes[index].WithState(packetId, state);
        return true;
    }

    public bool TryCancelDelivery(long id) => TryCancel(_pendingDeliveries, id);

    public bool TryCancelMessage(long id) => TryCancel(_pendingMessages, id);

    public bool TryCancelInbound(long sessionId, ushort packetId) => TryCancel(_pendingInbound, InboundKey(sessionId, packetId));

    /// <summary>The live changes, in order, into <paramref name="target"/>.</summary>
    public void CopyLiveChanges(List<StoreChange> target)
    {
        foreach (var change in Changes)
        {
            if (change.Kind != StoreChangeKind.None)
            {
                target.Add(change);
            }
        }
    }

    public void Clear()
    {
        Changes.Clear();
        Acks.Clear();
        _pendingDeliveries.Clear();
        _pendingMessages.Clear();
        _pendingInbound.Clear();
        LiveChanges = 0;
    }

    private bool TryCancel(Dictionary<long, int> pending, long key)
    {
        if (!pending.Remove(key, out var index))
        {
            return false;
        }

        Changes[index] = default;
        LiveChanges--;
        return true;
    }

    private static long InboundKey(long sessionId, ushort packetId) => (sessionId << 16) | packetId;
}

/// <summary>A PUBACK or PUBREC held until the batch holding its message is stored.</summary>
internal readonly record struct PendingAck(MqttConnection Connection, Protocol.PacketType Type, ushort PacketId, Protocol.ReasonCode ReasonCode);
