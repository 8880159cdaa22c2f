using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>
/// Encodes PUBACK, PUBREC, PUBREL and PUBCOMP. On 5.0 the reason code and property length are left out when they are
/// Success and empty, as [MQTT-3.4.2.1] allows.
/// </summary>
public static class AckEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(in AckPacket packet, ProtocolVersion version, bool omitDiagnostics = false) =>
        Sizes.Packet(RemainingLength(packet, version, omitDiagnostics, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, in AckPacket packet, ProtocolVersion version, bool omitDiagnostics = false)
    {
        if (!AckPacket.IsAckType(packet.Type))
        {
            throw new ArgumentException($"{packet.Type} is not an acknowledgement packet.", nameof(packet));
        }

        var remaining = RemainingLength(packet, version, omitDiagnostics, out var propertiesLength);
        writer.WriteFixedHeader((byte)(((int)packet.Type << 4) | (packet.Type == PacketType.PubRel ? 0x02 : 0)), remaining);
        writer.WriteUInt16(packet.PacketId);
        if (remaining == 2)
        {
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        if (propertiesLength > 0)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
            writer.WriteUserProperties(packet.UserProperties);
        }
    }

    private static int RemainingLength(in AckPacket packet, ProtocolVersion version, bool omitDiagnostics, out int propertiesLength)
    {
        propertiesLength = 0;
        if (version != ProtocolVersion.V500)
        {
            return 2;
        }

        propertiesLength = Sizes.Diagnostics(packet.ReasonString, packet.UserProperties, omitDiagnostics);
        if (propertiesLength > 0)
        {
            return 3 + Sizes.PropertyList(propertiesLength);
        }

        return packet.ReasonCode == ReasonCode.Success ? 2 : 3;
    }
}
