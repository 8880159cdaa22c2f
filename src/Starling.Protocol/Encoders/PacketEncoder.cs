using System.Buffers;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>
/// Encodes any control packet into an <see cref="IBufferWriter{T}"/>, with exact sizes and the Maximum Packet Size
/// rule: a packet that would exceed the peer's limit first loses its Reason String and User Properties where the
/// specification allows that ([MQTT-3.2.2-19], [MQTT-3.2.2-20], [MQTT-3.4.2-2], [MQTT-3.4.2-3] and their siblings in
/// PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT and AUTH), and is otherwise not sent [MQTT-3.1.2-24]
/// (the sender behaves as if it had been sent [MQTT-3.1.2-25]).
/// </summary>
public static class PacketEncoder
{
    /// <summary>Exact size of the whole packet on the wire.</summary>
    public static int GetSize(IMqttPacket packet, ProtocolVersion version) => GetSize(packet, version, omitDiagnostics: false);

    /// <summary>Writes the packet.</summary>
    public static void Encode(IMqttPacket packet, ProtocolVersion version, IBufferWriter<byte> output)
    {
        var writer = new MqttWriter(output);
        Write(ref writer, packet, version, omitDiagnostics: false);
        writer.Commit();
    }

    /// <summary>
    /// Writes the packet if it fits in <paramref name="maximumPacketSize"/>, dropping Reason String and User
    /// Properties of acknowledgements and DISCONNECT/AUTH when that makes it fit. False, with nothing written, otherwise.
    /// </summary>
    public static bool TryEncode(IMqttPacket packet, ProtocolVersion version, IBufferWriter<byte> output, long maximumPacketSize)
    {
        var writer = new MqttWriter(output);
        var written = TryWrite(ref writer, packet, version, maximumPacketSize);
        writer.Commit();
        return written;
    }

    /// <summary>
    /// As <see cref="TryEncode(IMqttPacket, ProtocolVersion, IBufferWriter{byte}, long)"/>, continuing an open
    /// <see cref="MqttWriter"/> so many packets share one output span.
    /// </summary>
    public static bool TryWrite(ref MqttWriter writer, IMqttPacket packet, ProtocolVersion version, long maximumPacketSize)
    {
        var omit = false;
        if (GetSize(packet, version, omitDiagnostics: false) > maximumPacketSize)
        {
            if (!HasDroppableDiagnostics(packet) || GetSize(packet, version, omitDiagnostics: true) > maximumPacketSize)
            {
                return false;
            }

            omit = true;
        }

        Write(ref writer, packet, version, omit);
        return true;
    }

    /// <summary>Encodes into a new array; for tests and tools, not for the hot path.</summary>
    public static byte[] ToArray(IMqttPacket packet, ProtocolVersion version)
    {
        var buffer = new ArrayBufferWriter<byte>(GetSize(packet, version));
        Encode(packet, version, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static bool HasDroppableDiagnostics(IMqttPacket packet) => packet.Type is PacketType.ConnAck or PacketType.PubAck
        or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp or PacketType.SubAck or PacketType.UnsubAck
        or PacketType.Disconnect or PacketType.Auth;

    private static int GetSize(IMqttPacket packet, ProtocolVersion version, bool omitDiagnostics) => packet switch
    {
        ConnectPacket p => ConnectEncoder.GetSize(p),
        ConnAckPacket p => ConnAckEncoder.GetSize(p, version, omitDiagnostics),
        PublishPacket p => PublishEncoder.GetSize(p, version),
        AckPacket p => AckEncoder.GetSize(p, version, omitDiagnostics),
        SubscribePacket p => SubscribeEncoder.GetSize(p, version),
        SubAckPacket p => SubAckEncoder.GetSize(p, version, omitDiagnostics),
        UnsubscribePacket p => UnsubscribeEncoder.GetSize(p, version),
        UnsubAckPacket p => UnsubAckEncoder.GetSize(p, version, omitDiagnostics),
        PingReqPacket or PingRespPacket => 2,
        DisconnectPacket p => DisconnectEncoder.GetSize(p, version, omitDiagnostics),
        AuthPacket p => AuthEncoder.GetSize(p, omitDiagnostics),
        _ => throw new ArgumentException($"Unknown packet type {packet.GetType().Name}.", nameof(packet)),
    };

    private static void Write(ref MqttWriter writer, IMqttPacket packet, ProtocolVersion version, bool omitDiagnostics)
    {
        switch (packet)
        {
            case ConnectPacket p:
                ConnectEncoder.Write(ref writer, p);
                break;
            case ConnAckPacket p:
                ConnAckEncoder.Write(ref writer, p, version, omitDiagnostics);
                break;
            case PublishPacket p:
                PublishEncoder.Write(ref writer, p, version);
                break;
            case AckPacket p:
                AckEncoder.Write(ref writer, p, version, omitDiagnostics);
                break;
            case SubscribePacket p:
                SubscribeEncoder.Write(ref writer, p, version);
                break;
            case SubAckPacket p:
                SubAckEncoder.Write(ref writer, p, version, omitDiagnostics);
                break;
            case UnsubscribePacket p:
                UnsubscribeEncoder.Write(ref writer, p, version);
                break;
            case UnsubAckPacket p:
                UnsubAckEncoder.Write(ref writer, p, version, omitDiagnostics);
                break;
            case PingReqPacket:
                writer.WriteFixedHeader(0xC0, 0);
                break;
            case PingRespPacket:
                writer.WriteFixedHeader(0xD0, 0);
                break;
            case DisconnectPacket p:
                DisconnectEncoder.Write(ref writer, p, version, omitDiagnostics);
                break;
            case AuthPacket p when version == ProtocolVersion.V500:
                AuthEncoder.Write(ref writer, p, omitDiagnostics);
                break;
            case AuthPacket:
                throw new ArgumentException("AUTH exists only in MQTT 5.0.", nameof(packet));
            default:
                throw new ArgumentException($"Unknown packet type {packet.GetType().Name}.", nameof(packet));
        }
    }
}
