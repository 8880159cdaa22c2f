namespace Starling.Broker.Storage;

/// <summary>Where a message held for a session stands.</summary>
public enum DeliveryState : byte
{
    /// <summary>Waiting in the session's queue; no packet identifier yet.</summary>
    Queued = 0,

    /// <summary>PUBLISH sent with its packet identifier; PUBACK (QoS 1) or PUBREC (QoS 2) awaited.</summary>
    PublishSent = 1,

    /// <summary>QoS 2: PUBREC received and PUBREL sent; PUBCOMP awaited.</summary>
    ReleaseSent = 2,
}
