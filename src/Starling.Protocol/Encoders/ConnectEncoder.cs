using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes CONNECT [MQTT-3.1].</summary>
public static class ConnectEncoder
{
    /// <summary>Size of the whole packet; CONNECT uses its own <see cref="ConnectPacket.ProtocolVersion"/>.</summary>
    public static int GetSize(ConnectPacket packet) => Sizes.Packet(RemainingLength(packet, out _, out _));

    /// <summary>Writes the packet.</summary>
    public static void Write(ref MqttWriter writer, ConnectPacket packet)
    {
        var version = packet.ProtocolVersion;
        var remaining = RemainingLength(packet, out var propertiesLength, out var willPropertiesLength);
        writer.WriteFixedHeader(0x10, remaining);
        if (version == ProtocolVersion.V310)
        {
            writer.WriteBinary("MQIsdp"u8);
        }
        else
        {
            writer.WriteBinary("MQTT"u8);
        }

        writer.WriteByte((byte)version);
        writer.WriteByte(Flags(packet));
        writer.WriteUInt16(packet.KeepAlive);
        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(propertiesLength);
            writer.WriteProperty(PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
            writer.WriteProperty(PropertyId.ReceiveMaximum, packet.ReceiveMaximum);
            writer.WriteProperty(PropertyId.MaximumPacketSize, packet.MaximumPacketSize);
            writer.WriteProperty(PropertyId.TopicAliasMaximum, packet.TopicAliasMaximum);
            writer.WriteProperty(PropertyId.RequestResponseInformation, packet.RequestResponseInformation);
            writer.WriteProperty(PropertyId.RequestProblemInformation, packet.RequestProblemInformation);
            writer.WriteProperty(PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
            writer.WriteProperty(PropertyId.AuthenticationData, packet.AuthenticationData);
            writer.WriteUserProperties(packet.UserProperties);
        }

        writer.WriteString(packet.ClientId);
        if (packet.Will is { } will)
        {
            if (version == ProtocolVersion.V500)
            {
                writer.WriteVariableByteInteger(willPropertiesLength);
                writer.WriteProperty(PropertyId.WillDelayInterval, will.WillDelayInterval);
                writer.WriteProperty(PropertyId.PayloadFormatIndicator, (byte?)will.PayloadFormat);
                writer.WriteProperty(PropertyId.MessageExpiryInterval, will.MessageExpiryInterval);
                writer.WriteProperty(PropertyId.ContentType, will.ContentType);
                writer.WriteProperty(PropertyId.ResponseTopic, will.ResponseTopic);
                writer.WriteProperty(PropertyId.CorrelationData, will.CorrelationData);
                writer.WriteUserProperties(will.UserProperties);
            }

            writer.WriteString(will.Topic);
            writer.WriteBinary(will.Payload.Span);
        }

        if (packet.UserName is not null)
        {
            writer.WriteString(packet.UserName);
        }

        if (packet.Password is not null)
        {
            writer.WriteBinary(packet.Password);
        }
    }

    private static byte Flags(ConnectPacket packet)
    {
        var flags = 0;
        if (packet.CleanSession)
        {
            flags |= 0x02;
        }

        if (packet.Will is { } will)
        {
            flags |= 0x04 | ((int)will.QoS << 3) | (will.Retain ? 0x20 : 0);
        }

        if (packet.Password is not null)
        {
            flags |= 0x40;
        }

        if (packet.UserName is not null)
        {
            flags |= 0x80;
        }

        return (byte)flags;
    }

    private static int RemainingLength(ConnectPacket packet, out int propertiesLength, out int willPropertiesLength)
    {
        var v5 = packet.ProtocolVersion == ProtocolVersion.V500;
        var size = (packet.ProtocolVersion == ProtocolVersion.V310 ? 8 : 6) + 1 + 1 + 2; // name, level, flags, keep alive
        propertiesLength = 0;
        willPropertiesLength = 0;
        if (v5)
        {
            propertiesLength = Sizes.Property(packet.SessionExpiryInterval) + Sizes.Property(packet.ReceiveMaximum)
                + Sizes.Property(packet.MaximumPacketSize) + Sizes.Property(packet.TopicAliasMaximum)
                + Sizes.Property(packet.RequestResponseInformation) + Sizes.Property(packet.RequestProblemInformation)
                + Sizes.Property(packet.AuthenticationMethod) + Sizes.Property(packet.AuthenticationData)
                + Sizes.UserProperties(packet.UserProperties);
            size += Sizes.PropertyList(propertiesLength);
        }

        size += Sizes.Utf8String(packet.ClientId);
        if (packet.Will is { } will)
        {
            if (v5)
            {
                willPropertiesLength = Sizes.Property(will.WillDelayInterval) + Sizes.Property((byte?)will.PayloadFormat)
                    + Sizes.Property(will.MessageExpiryInterval) + Sizes.Property(will.ContentType)
                    + Sizes.Property(will.ResponseTopic) + Sizes.Property(will.CorrelationData)
                    + Sizes.UserProperties(will.UserProperties);
                size += Sizes.PropertyList(willPropertiesLength);
            }

            size += Sizes.Utf8String(will.Topic) + 2 + will.Payload.Length;
        }

        if (packet.UserName is not null)
        {
            size += Sizes.Utf8String(packet.UserName);
        }

        if (packet.Password is not null)
        {
            size += 2 + packet.Password.Length;
        }

        return size;
    }
}
