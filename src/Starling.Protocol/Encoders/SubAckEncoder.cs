using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes SUBACK [MQTT-3.9].</summary>
public static class SubAckEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(SubAckPacket packet, ProtocolVersion version, bool omitDiagnostics = false) =>
        Sizes.Packet(RemainingLength(packet, version, omitDiagnostics, out _));

    /// <summary>Writes the packet. On 3.x any failure code is written as 0x80 [MQTT-3.9.3].</summary>
    public static void Write(ref MqttWriter writer, SubAckPacket packet, ProtocolVersion version, bool omitDiagnostics = false)
    {
        writer.WriteFixedHeader(0x90, RemainingLength(packet, version, omitDiagnostics, out var propertiesLength));
        writer.WriteUInt16(packet.PacketId);
        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            if (!omitDiagnostics)
            {
                writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
                writer.WriteUserProperties(packet.UserProperties);
            }
        }

        foreach (var code in packet.ReasonCodes)
        {
            var value = version == ProtocolVersion.V500 || ReasonCodes.IsSuccess(code) ? (byte)code : (byte)0x80;
            writer.WriteByte(value);
        }
    }

    private static int RemainingLength(SubAckPacket packet, ProtocolVersion version, bool omitDiagnostics, out int propertiesLength)
    {
        propertiesLength = 0;
        var size = 2 + packet.ReasonCodes.Count;
        if (version == ProtocolVersion.V500)
        {
            propertiesLength = Sizes.Diagnostics(packet.ReasonString, packet.UserProperties, omitDiagnostics);
            size += Sizes.PropertyList(propertiesLength);
        }

        return size;
    }
}
