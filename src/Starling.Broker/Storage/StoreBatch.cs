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

    // The held acknowledgement each change was recorded for (a PUBLISH's changes), or null.
    private readonly List<HeldAck?> _owners = [];

    public List<StoreChange> Changes { get; } = [];

    public List<HeldAck> Acks { get; } = [];

    public int LiveChanges { get; private set; }

    public bool IsEmpty => LiveChanges == 0 && Acks.Count == 0;

    public void Add(in StoreChange change, HeldAck? owner)
    {
        var index = Changes.Count;
        Changes.Add(change);
        _owners.Add(owner);
        if (owner is not null)
        {
            owner.Outstanding++;
        }

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

    /// <summary>Undoes a pending insert; an acknowledgement left with nothing to wait for goes to <paramref name="ready"/>.</summary>
    public bool TryCancelDelivery(long id, List<HeldAck> ready) => TryCancel(_pendingDeliveries, id, ready);

    public bool TryCancelMessage(long id, List<HeldAck> ready) => TryCancel(_pendingMessages, id, ready);

    public bool TryCancelInbound(long sessionId, ushort packetId, List<HeldAck> ready) => TryCancel(_pendingInbound, InboundKey(sessionId, packetId), ready);

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
        _owners.Clear();
        Acks.Clear();
        _pendingDeliveries.Clear();
        _pendingMessages.Clear();
        _pendingInbound.Clear();
        LiveChanges = 0;
    }

    private bool TryCancel(Dictionary<long, int> pending, long key, List<HeldAck> ready)
    {
        if (!pending.Remove(key, out var index))
        {
            return false;
        }

        Changes[index] = default;
        LiveChanges--;
        if (_owners[index] is { } owner)
        {
            _owners[index] = null;
            if (--owner.Outstanding == 0 && owner.Registered && !owner.WaitsForCommit)
            {
                ready.Add(owner);
            }
        }

        return true;
    }

    private static long InboundKey(long sessionId, ushort packetId) => (sessionId << 16) | packetId;
}
