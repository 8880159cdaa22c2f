using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes SUBSCRIBE [MQTT-3.8].</summary>
public static class SubscribeEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(SubscribePacket packet, ProtocolVersion version) => Sizes.Packet(RemainingLength(packet, version, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, SubscribePacket packet, ProtocolVersion version)
    {
        writer.WriteFixedHeader(0x82, RemainingLength(packet, version, out var propertiesLength));
        writer.WriteUInt16(packet.PacketId);
        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            if (packet.SubscriptionIdentifier is { } id)
            {
                writer.WriteByte((byte)PropertyId.SubscriptionIdentifier);
                writer.WriteVariableByteInteger(id);
            }

            writer.WriteUserProperties(packet.UserProperties);
        }

        foreach (var subscription in packet.Subscriptions)
        {
            writer.WriteString(subscription.TopicFilter);
            writer.WriteByte(Options(subscription, version));
        }
    }

    private static byte Options(in TopicSubscription subscription, ProtocolVersion version)
    {
        var options = (int)subscription.MaximumQoS;
        if (version == ProtocolVersion.V500)
        {
            options |= (subscription.NoLocal ? 0x04 : 0) | (subscription.RetainAsPublished ? 0x08 : 0) | ((int)subscription.RetainHandling << 4);
        }

        return (byte)options;
    }

    private static int RemainingLength(SubscribePacket packet, ProtocolVersion version, out int propertiesLength)
    {
        var size = 2;
        propertiesLength = 0;
        if (version == ProtocolVersion.V500)
        {
            propertiesLength = (packet.SubscriptionIdentifier is { } id ? 1 + Sizes.VariableByteInteger(id) : 0)
                + Sizes.UserProperties(packet.UserProperties);
            size += Sizes.PropertyList(propertiesLength);
        }

        foreach (var subscription in packet.Subscriptions)
        {
            size += Sizes.Utf8String(subscription.TopicFilter) + 1;
        }

        return size;
    }
}
