using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes CONNACK [MQTT-3.2].</summary>
internal static class ConnAckDecoder
{
    public static ConnAckPacket Decode(ref MqttReader reader, ProtocolVersion version)
    {
        var flags = reader.ReadByte();
        if (version == ProtocolVersion.V310)
        {
            flags = 0; // MQTT 3.1: "Topic Name Compression Response", reserved and not used.
        }

        if ((flags & 0xFE) != 0)
        {
            Violation.Malformed("MQTT-3.2.2-1", "Reserved Connect Acknowledge Flags are set");
        }

        var code = reader.ReadByte();
        if (version != ProtocolVersion.V500)
        {
            if (code > (byte)ConnectReturnCode.NotAuthorized)
            {
                Violation.ProtocolError("§3.2.2.3", $"CONNACK return code {code} is reserved");
            }

            reader.ExpectEnd();
            return new ConnAckPacket
            {
                SessionPresent = flags == 1,
                ReasonCode = ReasonCodes.FromConnectReturnCode((ConnectReturnCode)code),
            };
        }

        var reasonCode = (ReasonCode)code;
        if (!ReasonCodes.IsAllowed(PacketType.ConnAck, reasonCode))
        {
            Violation.ProtocolError("MQTT-3.2.2-8", $"Reason code 0x{code:X2} is not allowed in CONNACK");
        }

        var properties = DecodedProperties.Read(ref reader, PropertyScope.ConnAck);
        AuthenticationRules.Check(properties);
        reader.ExpectEnd();
        return new ConnAckPacket
        {
            SessionPresent = flags == 1,
            ReasonCode = reasonCode,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumQoS = properties.MaximumQoS,
            RetainAvailable = properties.RetainAvailable,
            MaximumPacketSize = properties.MaximumPacketSize,
            AssignedClientIdentifier = properties.AssignedClientIdentifier,
            TopicAliasMaximum = properties.TopicAliasMaximum,
            ReasonString = properties.ReasonString,
            WildcardSubscriptionAvailable = properties.WildcardSubscriptionAvailable,
            SubscriptionIdentifiersAvailable = properties.SubscriptionIdentifiersAvailable,
            SharedSubscriptionAvailable = properties.SharedSubscriptionAvailable,
            ServerKeepAlive = properties.ServerKeepAlive,
            ResponseInformation = properties.ResponseInformation,
            ServerReference = properties.ServerReference,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            UserProperties = properties.UserPropertyList,
        };
    }
}
