using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes DISCONNECT [MQTT-3.14]; empty on 3.x and for a plain Normal disconnection on 5.0.</summary>
public static class DisconnectEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(DisconnectPacket packet, ProtocolVersion version, bool omitDiagnostics = false) =>
        Sizes.Packet(RemainingLength(packet, version, omitDiagnostics, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, DisconnectPacket packet, ProtocolVersion version, bool omitDiagnostics = false)
    {
        var remaining = RemainingLength(packet, version, omitDiagnostics, out var propertiesLength);
        writer.WriteFixedHeader(0xE0, remaining);
        if (remaining == 0)
        {
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        if (propertiesLength > 0)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            writer.WriteProperty(PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
            writer.WriteProperty(PropertyId.ServerReference, packet.ServerReference);
            if (!omitDiagnostics)
            {
                writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
                writer.WriteUserProperties(packet.UserProperties);
            }
        }
    }

    private static int RemainingLength(DisconnectPacket packet, ProtocolVersion version, bool omitDiagnostics, out int propertiesLength)
    {
        propertiesLength = 0;
        if (version != ProtocolVersion.V500)
        {
            return 0;
        }

        propertiesLength = Sizes.Property(packet.SessionExpiryInterval) + Sizes.Property(packet.ServerReference)
            + Sizes.Diagnostics(packet.ReasonString, packet.UserProperties, omitDiagnostics);
        if (propertiesLength > 0)
        {
            return 1 + Sizes.PropertyList(propertiesLength);
        }

        return packet.ReasonCode == ReasonCode.NormalDisconnection ? 0 : 1;
    }
}
