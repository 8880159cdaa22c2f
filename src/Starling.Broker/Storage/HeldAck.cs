using Starling.Broker.Connections;
using Starling.Protocol;

namespace Starling.Broker.Storage;

/// <summary>
/// An acknowledgement held until what it promises is safe: until the batch holding its changes is committed, or
/// sooner, until every one of those changes was undone before being written (the message reached all its persistent
/// sessions and they acknowledged it: nothing is left to store). A connection releases its held acknowledgements
/// in order, whatever order they become ready in.
/// </summary>
internal sealed class HeldAck
{
    public HeldAck(bool waitsForCommit)
    {
        WaitsForCommit = waitsForCommit;
    }

    public MqttConnection? Connection { get; private set; }

    public PacketType Type { get; private set; }

    public ushort PacketId { get; private set; }

    public ReasonCode ReasonCode { get; private set; }

    /// <summary>Only a commit releases it (not a cancellation): it does not depend on changes of its own.</summary>
    public bool WaitsForCommit { get; }

    /// <summary>Its changes in the open batch not yet undone. Guarded by the journal's lock.</summary>
    public int Outstanding;

    /// <summary>Set once the connection handed it to the journal; before that a cancellation cannot release it. Guarded by the journal's lock.</summary>
    public bool Registered;

    /// <summary>It may be sent (after those before it on its connection).</summary>
    public volatile bool Ready;

    public void Describe(MqttConnection connection, PacketType type, ushort packetId, ReasonCode reasonCode)
    {
        Connection = connection;
        Type = type;
        PacketId = packetId;
        ReasonCode = reasonCode;
    }
}
