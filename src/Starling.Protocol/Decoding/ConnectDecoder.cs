using Starling.Protocol.Packets;
using Starling.Protocol.Topics;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes CONNECT [MQTT-3.1]; the protocol version comes from the packet itself.</summary>
internal static class ConnectDecoder
{
    private const byte ReservedFlag = 0x01;
    private const byte CleanSessionFlag = 0x02;
    private const byte WillFlag = 0x04;
    private const byte WillRetainFlag = 0x20;
    private const byte PasswordFlag = 0x40;
    private const byte UserNameFlag = 0x80;

    public static ConnectPacket Decode(ref MqttReader reader)
    {
        var version = ReadProtocolNameAndLevel(ref reader);
        var flags = reader.ReadByte();
        if ((flags & ReservedFlag) != 0)
        {
            Violation.Malformed("MQTT-3.1.2-3", "The reserved CONNECT flag is set");
        }

        var willQoS = (flags >> 3) & 0x03;
        var hasWill = (flags & WillFlag) != 0;
        var willRetain = (flags & WillRetainFlag) != 0;
        if (willQoS == 3)
        {
            Violation.Malformed("MQTT-3.1.2-12", "Will QoS is 3"); // [MQTT-3.1.2-14] in 3.1.1
        }

        if (!hasWill && willQoS != 0)
        {
            Violation.Malformed("MQTT-3.1.2-11", "Will QoS is set without the Will Flag");
        }

        if (!hasWill && willRetain)
        {
            Violation.Malformed("MQTT-3.1.2-13", "Will Retain is set without the Will Flag"); // [MQTT-3.1.2-15] in 3.1.1
        }

        var hasUserName = (flags & UserNameFlag) != 0;
        var hasPassword = (flags & PasswordFlag) != 0;
        if (version != ProtocolVersion.V500 && hasPassword && !hasUserName)
        {
            Violation.Malformed("MQTT-3.1.2-22", "Password Flag is set without the User Name Flag");
        }

        var keepAlive = reader.ReadUInt16();
        var properties = version == ProtocolVersion.V500 ? DecodedProperties.Read(ref reader, PropertyScope.Connect) : default;
        AuthenticationRules.Check(properties);
        var clientId = reader.ReadString();
        var will = hasWill ? ReadWill(ref reader, version, (QualityOfService)willQoS, willRetain) : null;
        var userName = hasUserName ? reader.ReadString() : null;
        var password = hasPassword ? reader.ReadBinary() : null;
        reader.ExpectEnd();

        return new ConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            CleanSession = (flags & CleanSessionFlag) != 0,
            KeepAlive = keepAlive,
            UserName = userName,
            Password = password,
            Will = will,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumPacketSize = properties.MaximumPacketSize,
            TopicAliasMaximum = properties.TopicAliasMaximum,
            RequestResponseInformation = properties.RequestResponseInformation,
            RequestProblemInformation = properties.RequestProblemInformation,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static ProtocolVersion ReadProtocolNameAndLevel(ref MqttReader reader)
    {
        var nameLength = reader.ReadUInt16();
        if (nameLength is not (4 or 6))
        {
            Violation.Throw(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1", "The protocol name is neither MQTT nor MQIsdp");
        }

        Span<byte> name = stackalloc byte[6];
        for (var i = 0; i < nameLength; i++)
        {
            name[i] = reader.ReadByte();
        }

        var level = reader.ReadByte();
        var isMqtt = nameLength == 4 && name[..4].SequenceEqual("MQTT"u8);
        var isMqIsdp = nameLength == 6 && name.SequenceEqual("MQIsdp"u8);
        if (!isMqtt && !isMqIsdp)
        {
            Violation.Throw(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1", "The protocol name is neither MQTT nor MQIsdp");
        }

        return (level, isMqIsdp) switch
        {
            (3, true) => ProtocolVersion.V310,
            (4, false) => ProtocolVersion.V311,
            (5, false) => ProtocolVersion.V500,
            _ => UnsupportedLevel(level),
        };
    }

    private static ProtocolVersion UnsupportedLevel(byte level)
    {
        Violation.Throw(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2", $"Protocol level {level} is not supported with this protocol name");
        return default;
    }

    private static WillMessage ReadWill(ref MqttReader reader, ProtocolVersion version, QualityOfService qos, bool retain)
    {
        var properties = version == ProtocolVersion.V500 ? DecodedProperties.Read(ref reader, PropertyScope.Will) : default;
        var topic = reader.ReadString();
        if (!TopicValidator.IsValidTopicName(topic))
        {
            Violation.Throw(ReasonCode.TopicNameInvalid, topic.Length == 0 ? "MQTT-4.7.3-1" : "MQTT-4.7.0-1", "The Will Topic is not a valid topic name");
        }

        var payload = reader.ReadBinary();
        return new WillMessage
        {
            Topic = topic,
            Payload = payload,
            QoS = qos,
            Retain = retain,
            WillDelayInterval = properties.WillDelayInterval,
            PayloadFormat = properties.PayloadFormat,
            MessageExpiryInterval = properties.MessageExpiryInterval,
            ContentType = properties.ContentType,
            ResponseTopic = properties.ResponseTopic,
            CorrelationData = properties.CorrelationData,
            UserProperties = properties.UserPropertyList,
        };
    }
}
