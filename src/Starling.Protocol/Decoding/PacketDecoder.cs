using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>
/// Turns a <see cref="Frame"/> into a packet. The generic <see cref="TryDecode(in Frame, ProtocolVersion, out IMqttPacket?, out MqttProtocolError)"/>
/// serves clients and tools; a broker's read loop switches on <see cref="Frame.Type"/> and calls the typed methods,
/// which do not box.
/// </summary>
public static class PacketDecoder
{
    /// <summary>Decodes any control packet. CONNECT carries its own version; <paramref name="version"/> applies to the rest.</summary>
    public static bool TryDecode(in Frame frame, ProtocolVersion version, [NotNullWhen(true)] out IMqttPacket? packet, out MqttProtocolError error)
    {
        error = default;
        try
        {
            packet = Decode(frame, version);
            return true;
        }
        catch (MqttProtocolException e)
        {
            packet = null;
            error = e.Error;
            return false;
        }
    }

    /// <summary>Decodes a PUBLISH frame.</summary>
    public static bool TryDecodePublish(in Frame frame, ProtocolVersion version, [NotNullWhen(true)] out PublishPacket? packet, out MqttProtocolError error)
    {
        error = default;
        try
        {
            var reader = new MqttReader(frame.Body);
            packet = PublishDecoder.Decode(ref reader, frame.Flags, version);
            return true;
        }
        catch (MqttProtocolException e)
        {
            packet = null;
            error = e.Error;
            return false;
        }
    }

    /// <summary>Decodes a PUBACK, PUBREC, PUBREL or PUBCOMP frame without allocating (unless it has properties).</summary>
    public static bool TryDecodeAck(in Frame frame, ProtocolVersion version, out AckPacket packet, out MqttProtocolError error)
    {
        error = default;
        try
        {
            var reader = new MqttReader(frame.Body);
            packet = AckDecoder.Decode(ref reader, frame.Type, version);
            return true;
        }
        catch (MqttProtocolException e)
        {
            packet = default;
            error = e.Error;
            return false;
        }
    }

    /// <summary>Decodes a CONNECT frame; its protocol version is read from it.</summary>
    public static bool TryDecodeConnect(in Frame frame, [NotNullWhen(true)] out ConnectPacket? packet, out MqttProtocolError error)
    {
        error = default;
        try
        {
            var reader = new MqttReader(frame.Body);
            packet = ConnectDecoder.Decode(ref reader);
            return true;
        }
        catch (MqttProtocolException e)
        {
            packet = null;
            error = e.Error;
            return false;
        }
    }

    /// <summary>
    /// The protocol level byte of a CONNECT frame, read without decoding the rest, so that a broker can answer a
    /// CONNECT it refuses in the right CONNACK format. Null when the frame is too short to hold it.
    /// </summary>
    public static byte? PeekProtocolLevel(in Frame frame)
    {
        var body = frame.Body;
        if (body.Length < 2)
        {
            return null;
        }

        Span<byte> head = stackalloc byte[2];
        body.Slice(0, 2).CopyTo(head);
        var levelOffset = 2 + ((head[0] << 8) | head[1]);
        return body.Length > levelOffset ? body.Slice(levelOffset, 1).FirstSpan[0] : null;
    }

    /// <summary>
    /// Reads one packet from the start of <paramref name="buffer"/> and slices it off. Returns
    /// <see cref="FrameStatus.Incomplete"/> (buffer untouched) when more bytes are needed.
    /// </summary>
    public static FrameStatus TryRead(ref ReadOnlySequence<byte> buffer, ProtocolVersion version, int maximumPacketSize,
        out IMqttPacket? packet, out MqttProtocolError error)
    {
        packet = null;
        var status = FrameReader.TryReadFrame(buffer, maximumPacketSize, version, out var frame, out error);
        if (status != FrameStatus.Complete)
        {
            return status;
        }

        if (!TryDecode(frame, version, out packet, out error))
        {
            return FrameStatus.Error;
        }

        buffer = buffer.Slice(frame.TotalLength);
        return FrameStatus.Complete;
    }

    private static IMqttPacket Decode(in Frame frame, ProtocolVersion version)
    {
        var reader = new MqttReader(frame.Body);
        switch (frame.Type)
        {
            case PacketType.Connect:
                return ConnectDecoder.Decode(ref reader);
            case PacketType.ConnAck:
                return ConnAckDecoder.Decode(ref reader, version);
            case PacketType.Publish:
                return PublishDecoder.Decode(ref reader, frame.Flags, version);
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                return AckDecoder.Decode(ref reader, frame.Type, version);
            case PacketType.Subscribe:
                return SubscribeDecoder.Decode(ref reader, version);
            case PacketType.SubAck:
                return SubAckDecoder.Decode(ref reader, version);
            case PacketType.Unsubscribe:
                return UnsubscribeDecoder.Decode(ref reader, version);
            case PacketType.UnsubAck:
                return UnsubAckDecoder.Decode(ref reader, version);
            case PacketType.PingReq:
                reader.ExpectEnd();
                return PingReqPacket.Instance;
            case PacketType.PingResp:
                reader.ExpectEnd();
                return PingRespPacket.Instance;
            case PacketType.Disconnect:
                return DisconnectDecoder.Decode(ref reader, version);
            case PacketType.Auth when version == ProtocolVersion.V500:
                return AuthDecoder.Decode(ref reader);
            default:
                Violation.Malformed("§2.1.2", $"Packet type {(int)frame.Type} is reserved in this protocol version");
                return null;
        }
    }
}
