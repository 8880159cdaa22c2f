using System.Text.Unicode;
using Starling.Broker.Diagnostics;
using Starling.Broker.Routing;
using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Packets;

namespace Starling.Broker.Connections;

/// <summary>Inbound PUBLISH with its QoS 1/2 flows, and the client's acknowledgements of outbound messages.</summary>
internal sealed partial class MqttConnection
{
    private string?[]? _inboundAliases;

    // Acknowledgements held for the store, in the order they must be sent; later ones queue behind them to keep the
    // order of the PUBLISH packets [MQTT-4.6.0-2]. Created on first use; guarded by _gate. Lock order: _gate, then
    // the writer's.
    private Queue<HeldAck>? _heldAcks;

    private bool HandlePublish(in Frame frame)
    {
        if (!PacketDecoder.TryDecodePublish(frame, Version, out var packet, out var error))
        {
            return Violation(error);
        }

        var options = _broker.Options;
        if (packet.QoS > options.MaximumQoS)
        {
            return Violation(new MqttProtocolError(ReasonCode.QoSNotSupported, "MQTT-3.2.2-11", $"QoS {(int)packet.QoS} is above the maximum QoS"));
        }

        if (packet.Retain && !options.RetainAvailable)
        {
            return Violation(new MqttProtocolError(ReasonCode.RetainNotSupported, "MQTT-3.2.2-14", "Retain is not available"));
        }

        if (packet.SubscriptionIdentifiers.Count > 0)
        {
            return Violation(new MqttProtocolError(ReasonCode.ProtocolError, "MQTT-3.3.4-6", "A client PUBLISH carries a Subscription Identifier"));
        }

        if (packet.TopicAlias != 0 && !ResolveTopicAlias(ref packet, out error))
        {
            return Violation(error);
        }

        // Every change a QoS 1/2 PUBLISH records in the store journal belongs to its acknowledgement and goes into
        // one batch with the others.
        var journal = packet.QoS == QualityOfService.AtMostOnce ? null : _broker.Journal;
        if (journal is null)
        {
            return Accept(packet);
        }

        journal.EnterPublish();
        StoreJournal.BeginTracking();
        try
        {
            return Accept(packet);
        }
        finally
        {
            StoreJournal.EndTracking();
            journal.ExitPublish();
        }
    }

    /// <summary>A valid PUBLISH: QoS 2 duplicate detection, authorization, routing, acknowledgement.</summary>
    private bool Accept(PublishPacket packet)
    {
        var options = _broker.Options;
        var session = Session!;
        if (packet.QoS == QualityOfService.ExactlyOnce)
        {
            lock (session.Gate)
            {
                if (session.InboundQoS2.ContainsKey(packet.PacketId))
                {
                    // A resend before PUBREL: acknowledge again, do not forward twice [MQTT-4.3.3-10]. The original may
                    // not be stored yet (it may have come on an earlier connection): the PUBREC waits for the disk too.
                    session.InboundQoS2[packet.PacketId] = Environment.TickCount64;
                    SendAfterCommit(PacketType.PubRec, packet.PacketId, ReasonCode.Success);
                    return true;
                }

                if (session.InboundQoS2.Count >= options.ReceiveMaximum)
                {
                    return Violation(new MqttProtocolError(ReasonCode.ReceiveMaximumExceeded, "MQTT-3.3.4-9", "More unacknowledged QoS 2 PUBLISH packets than Receive Maximum"));
                }

                session.AddInbound(packet.PacketId, Environment.TickCount64);
            }
        }

        var reason = ReasonCode.Success;
        if (packet.PayloadFormat == PayloadFormatIndicator.Utf8 && !Utf8.IsValid(packet.Payload.Span))
        {
            // The payload says UTF-8 but is not [MQTT-3.3.2-4 receiver side]: refuse it.
            if (packet.QoS == QualityOfService.AtMostOnce)
            {
                return Violation(new MqttProtocolError(ReasonCode.PayloadFormatInvalid, "§3.3.2.3.2", "The payload is not valid UTF-8"));
            }

            reason = ReasonCode.PayloadFormatInvalid;
        }
        else if (!_broker.Authorizer.CanPublish(ClientId, UserName, packet.Topic))
        {
            reason = ReasonCode.NotAuthorized;
        }
        else
        {
            var delivered = _broker.Publish(new BrokerMessage(packet, ClientId, Environment.TickCount64));
            BrokerLog.Published(_logger, ClientId, packet.Topic, packet.QoS, delivered);
            if (delivered == 0)
            {
                reason = ReasonCode.NoMatchingSubscribers;
            }
        }

        if (packet.QoS != QualityOfService.AtMostOnce)
        {
            // 3.x has no negative acknowledgement: it is acknowledged either way (and dropped when refused).
            var code = Version == ProtocolVersion.V500 ? reason : ReasonCode.Success;
            if (packet.QoS == QualityOfService.ExactlyOnce && !ReasonCodes.IsSuccess(code))
            {
                // A refused QoS 2 message ends its flow at PUBREC [MQTT-4.3.3-?]: forget the id.
                session.RemoveInbound(packet.PacketId);
            }

            SendPublishAck(packet.QoS == QualityOfService.AtLeastOnce ? PacketType.PubAck : PacketType.PubRec, packet.PacketId, code);
        }

        return true;
    }

    /// <summary>
    /// Sends PUBACK / PUBREC once what this PUBLISH changed is safe, when the sync policy says so (durability contract
    /// in docs/durability.md): the read loop goes on; the acknowledgement leaves when the store's writer has committed
    /// the changes, or sooner when every change was undone before being written (each persistent session the message
    /// reached has acknowledged it). An acknowledgement that needs no wait still waits behind earlier held ones, so the
    /// client sees them in the order of its PUBLISH packets [MQTT-4.6.0-2], [MQTT-4.6.0-3].
    /// </summary>
    private void SendPublishAck(PacketType type, ushort packetId, ReasonCode code)
    {
        var held = StoreJournal.EndTracking();
        var journal = _broker.Journal;
        if (journal is null)
        {
            Writer.EnqueueAck(type, packetId, code);
            return;
        }

        if (held is not null && journal.AcksWait)
        {
            Hold(journal, held, type, packetId, code);
            return;
        }

        SendBehindHeld(type, packetId, code);
    }

    /// <summary>
    /// Sends a QoS 2 flow packet once everything recorded so far is stored (sync Always): a PUBREC for a resent
    /// PUBLISH, a PUBCOMP whose forgotten packet id must not come back after a crash, a PUBREL whose state must not
    /// be resent as PUBLISH after a crash [MQTT-4.3.3-5]. Kept in order with the held acknowledgements.
    /// </summary>
    public void SendAfterCommit(PacketType type, ushort packetId, ReasonCode code)
    {
        var journal = _broker.Journal;
        if (journal is not null && journal.AcksWait)
        {
            Hold(journal, new HeldAck(waitsForCommit: true), type, packetId, code);
            return;
        }

        SendBehindHeld(type, packetId, code);
    }

    /// <summary>Sends the acknowledgements at the head of the held queue that are ready (any thread may call it).</summary>
    public void ReleaseHeldAcks()
    {
        lock (_gate)
        {
            while (_heldAcks is not null && _heldAcks.TryPeek(out var held) && held.Ready)
            {
                _heldAcks.Dequeue();
                Writer.EnqueueAck(held.Type, held.PacketId, held.ReasonCode);
            }
        }
    }

    private void Hold(StoreJournal journal, HeldAck held, PacketType type, ushort packetId, ReasonCode code)
    {
        held.Describe(this, type, packetId, code);
        lock (_gate)
        {
            (_heldAcks ??= new()).Enqueue(held);
        }

        journal.Hold(held);
    }

    /// <summary>Sends at once, unless held acknowledgements are queued: then behind them, ready.</summary>
    private void SendBehindHeld(PacketType type, ushort packetId, ReasonCode code)
    {
        lock (_gate)
        {
            if (_heldAcks is not { Count: > 0 })
            {
                Writer.EnqueueAck(type, packetId, code);
                return;
            }

            var ready = new HeldAck(waitsForCommit: false) { Ready = true };
            ready.Describe(this, type, packetId, code);
            _heldAcks.Enqueue(ready);
        }

        ReleaseHeldAcks();
    }

    /// <summary>Inbound topic aliases [MQTT-3.3.2-9] .. [MQTT-3.3.2-12]: set on a named PUBLISH, resolved on an empty one.</summary>
    private bool ResolveTopicAlias(ref PublishPacket packet, out MqttProtocolError error)
    {
        error = default;
        var alias = packet.TopicAlias;
        if (alias > _broker.Options.TopicAliasMaximum)
        {
            error = new MqttProtocolError(ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-9", $"Topic Alias {alias} exceeds the Topic Alias Maximum");
            return false;
        }

        _inboundAliases ??= new string?[_broker.Options.TopicAliasMaximum + 1];
        if (packet.Topic.Length > 0)
        {
            _inboundAliases[alias] = packet.Topic;
            return true;
        }

        if (_inboundAliases[alias] is not { } topic)
        {
            error = new MqttProtocolError(ReasonCode.ProtocolError, "§3.3.4", $"Topic Alias {alias} has no topic yet");
            return false;
        }

        // The alias belongs to this hop only: the message goes on under its topic.
        packet = packet.CopyMessage(topic, packet.QoS, packet.PacketId, packet.Dup);
        return true;
    }

    private bool HandleOutboundAck(in Frame frame)
    {
        if (!PacketDecoder.TryDecodeAck(frame, Version, out var ack, out var error))
        {
            return Violation(error);
        }

        var known = Session!.Acknowledge(this, ack);
        if (!known && ack.Type == PacketType.PubRec)
        {
            // PUBREC for an id the broker does not hold: release it with 0x92 so the client can forget it.
            Writer.EnqueueAck(PacketType.PubRel, ack.PacketId, Version == ProtocolVersion.V500 ? ReasonCode.PacketIdentifierNotFound : ReasonCode.Success);
        }

        return true;
    }

    private bool HandlePubRel(in Frame frame)
    {
        if (!PacketDecoder.TryDecodeAck(frame, Version, out var ack, out var error))
        {
            return Violation(error);
        }

        var session = Session!;
        var known = session.RemoveInbound(ack.PacketId);

        // PUBCOMP either way; 5.0 says when the id was unknown [MQTT-4.3.3-11]. A stored session's PUBCOMP waits
        // until the id is deleted on disk: after a crash the client may reuse it for a new message.
        var code = known || Version != ProtocolVersion.V500 ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound;
        if (known && session.StoreId != 0)
        {
            SendAfterCommit(PacketType.PubComp, ack.PacketId, code);
        }
        else
        {
            Writer.EnqueueAck(PacketType.PubComp, ack.PacketId, code);
        }
        return true;
    }
}
