using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Flows;

/// <summary>Where an outgoing QoS 1/2 publish is in its flow.</summary>
internal enum OutgoingState
{
    Queued,
    AwaitingPubAck,
    AwaitingPubRec,
    AwaitingPubComp,
}

/// <summary>One publish from acceptance until its flow completes; kept across reconnects until acknowledged.</summary>
internal sealed class OutgoingPublish
{
    private readonly TaskCompletionSource<MqttPublishResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public OutgoingPublish(PublishPacket packet) => Packet = packet;

    public PublishPacket Packet { get; }

    public QualityOfService QoS => Packet.QoS;

    public ushort PacketId { get; set; }

    public OutgoingState State { get; set; }

    /// <summary>When it was last put in flight: resends follow the original order [MQTT-4.6.0-1].</summary>
    public long SendOrder { get; set; }

    /// <summary>Already sent on a session the broker kept: the next PUBLISH carries DUP [MQTT-3.3.1-1].</summary>
    public bool Dup { get; set; }

    /// <summary>The PUBREC result, reported when PUBCOMP ends the QoS 2 flow.</summary>
    public MqttPublishResult? PubRecResult { get; set; }

    /// <summary>Position in the publish buffer file, when one is used.</summary>
    public long FileSequence { get; set; }

    public Task<MqttPublishResult> Completion => _completion.Task;

    public void Complete(MqttPublishResult result) => _completion.TrySetResult(result);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
