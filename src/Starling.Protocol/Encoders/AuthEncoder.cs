using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes AUTH [MQTT-3.15] (MQTT 5.0 only).</summary>
public static class AuthEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(AuthPacket packet, bool omitDiagnostics = false) => Sizes.Packet(RemainingLength(packet, omitDiagnostics, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, AuthPacket packet, bool omitDiagnostics = false)
    {
        var remaining = RemainingLength(packet, omitDiagnostics, out var propertiesLength);
        writer.WriteFixedHeader(0xF0, remaining);
        if (remaining == 0)
        {
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        writer.WriteVariableByteInteger(propertiesLength);
        writer.WriteProperty(PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
        writer.WriteProperty(PropertyId.AuthenticationData, packet.AuthenticationData);
        if (!omitDiagnostics)
        {
            writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
            writer.WriteUserProperties(packet.UserProperties);
        }
    }

    private static int RemainingLength(AuthPacket packet, bool omitDiagnostics, out int propertiesLength)
    {
        propertiesLength = Sizes.Property(packet.AuthenticationMethod) + Sizes.Property(packet.AuthenticationData)
            + Sizes.Diagnostics(packet.ReasonString, packet.UserProperties, omitDiagnostics);
        return propertiesLength == 0 && packet.ReasonCode == ReasonCode.Success ? 0 : 1 + Sizes.PropertyList(propertiesLength);
    }
}
