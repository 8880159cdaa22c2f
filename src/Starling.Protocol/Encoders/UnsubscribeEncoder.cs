using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes UNSUBSCRIBE [MQTT-3.10].</summary>
public static class UnsubscribeEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(UnsubscribePacket packet, ProtocolVersion version) => Sizes.Packet(RemainingLength(packet, version, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, UnsubscribePacket packet, ProtocolVersion version)
    {
        writer.WriteFixedHeader(0xA2, RemainingLength(packet, version, out var propertiesLength));
        writer.WriteUInt16(packet.PacketId);
        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            writer.WriteUserProperties(packet.UserProperties);
        }

        foreach (var filter in packet.TopicFilters)
        {
            writer.WriteString(filter);
        }
    }

    private static int RemainingLength(UnsubscribePacket packet, ProtocolVersion version, out int propertiesLength)
    {
        var size = 2;
        propertiesLength = 0;
        if (version == ProtocolVersion.V500)
        {
            propertiesLength = Sizes.UserProperties(packet.UserProperties);
            size += Sizes.PropertyList(propertiesLength);
        }

        foreach (var filter in packet.TopicFilters)
        {
            size += Sizes.Utf8String(filter);
        }

        return size;
    }
}
