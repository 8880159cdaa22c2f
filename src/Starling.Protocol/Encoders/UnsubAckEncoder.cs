using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes UNSUBACK [MQTT-3.11]; on 3.x only the packet identifier is written.</summary>
public static class UnsubAckEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(UnsubAckPacket packet, ProtocolVersion version, bool omitDiagnostics = false) =>
        Sizes.Packet(RemainingLength(packet, version, omitDiagnostics, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, UnsubAckPacket packet, ProtocolVersion version, bool omitDiagnostics = false)
    {
        writer.WriteFixedHeader(0xB0, RemainingLength(packet, version, omitDiagnostics, out var propertiesLength));
        writer.WriteUInt16(packet.PacketId);
        if (version != ProtocolVersion.V500)
        {
            return;
        }

        writer.WriteVariableByteInteger(propertiesLength);
        if (!omitDiagnostics)
        {
            writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
            writer.WriteUserProperties(packet.UserProperties);
        }

        foreach (var code in packet.ReasonCodes)
        {
            writer.WriteByte((byte)code);
        }
    }

    private static int RemainingLength(UnsubAckPacket packet, ProtocolVersion version, bool omitDiagnostics, out int propertiesLength)
    {
        propertiesLength = 0;
        if (version != ProtocolVersion.V500)
        {
            return 2;
        }

        propertiesLength = Sizes.Diagnostics(packet.ReasonString, packet.UserProperties, omitDiagnostics);
        return 2 + Sizes.PropertyList(propertiesLength) + packet.ReasonCodes.Count;
    }
}
