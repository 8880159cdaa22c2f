using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>
/// The properties of one packet as read from the wire, checked against the packet's allowed set, repetition and value
/// rules. A packet decoder reads them here, then copies the ones its packet carries.
/// </summary>
internal struct DecodedProperties
{
    public PayloadFormatIndicator? PayloadFormat;
    public uint? MessageExpiryInterval;
    public string? ContentType;
    public string? ResponseTopic;
    public byte[]? CorrelationData;
    public List<int>? SubscriptionIdentifiers;
    public uint? SessionExpiryInterval;
    public string? AssignedClientIdentifier;
    public ushort? ServerKeepAlive;
    public string? AuthenticationMethod;
    public byte[]? AuthenticationData;
    public bool? RequestProblemInformation;
    public uint? WillDelayInterval;
    public bool? RequestResponseInformation;
    public string? ResponseInformation;
    public string? ServerReference;
    public string? ReasonString;
    public ushort? ReceiveMaximum;
    public ushort? TopicAliasMaximum;
    public ushort TopicAlias;
    public QualityOfService? MaximumQoS;
    public bool? RetainAvailable;
    public List<UserProperty>? UserProperties;
    public uint? MaximumPacketSize;
    public bool? WildcardSubscriptionAvailable;
    public bool? SubscriptionIdentifiersAvailable;
    public bool? SharedSubscriptionAvailable;

    public readonly IReadOnlyList<UserProperty> UserPropertyList => UserProperties is null ? Array.Empty<UserProperty>() : UserProperties;

    public readonly IReadOnlyList<int> SubscriptionIdentifierList => SubscriptionIdentifiers is null ? Array.Empty<int>() : SubscriptionIdentifiers;

    /// <summary>Reads a property list: its Variable Byte Integer length, then the properties [MQTT-2.2.2].</summary>
    public static DecodedProperties Read(ref MqttReader reader, PropertyScope scope)
    {
        var result = default(DecodedProperties);
        var length = reader.ReadVariableByteInteger();
        if (length == 0)
        {
            return result;
        }

        if (length > reader.Remaining)
        {
            Violation.Malformed("§2.2.2", "Property Length points past the end of the packet");
        }

        var end = reader.Consumed + length;
        ulong seen = 0;
        while (reader.Consumed < end)
        {
            var identifier = reader.ReadVariableByteInteger();
            if (identifier > 0x7F || !PropertyRules.IsAllowed(scope, (PropertyId)identifier))
            {
                Violation.Malformed("§2.2.2", $"Property 0x{identifier:X2} is not allowed in this packet");
            }

            var id = (PropertyId)identifier;
            var bit = 1UL << identifier;
            if ((seen & bit) != 0 && !PropertyRules.MayRepeat(scope, id))
            {
                Violation.ProtocolError("§2.2.2", $"Property {id} appears more than once");
            }

            seen |= bit;
            result.ReadValue(ref reader, id);
        }

        if (reader.Consumed != end)
        {
            Violation.Malformed("§2.2.2", "The last property runs past Property Length");
        }

        return result;
    }

    private void ReadValue(ref MqttReader reader, PropertyId id)
    {
        switch (id)
        {
            case PropertyId.PayloadFormatIndicator:
                PayloadFormat = (PayloadFormatIndicator)ReadFlag(ref reader, id);
                break;
            case PropertyId.MessageExpiryInterval:
                MessageExpiryInterval = reader.ReadUInt32();
                break;
            case PropertyId.ContentType:
                ContentType = reader.ReadString();
                break;
            case PropertyId.ResponseTopic:
                ResponseTopic = reader.ReadString();
                if (!Topics.TopicValidator.IsValidTopicName(ResponseTopic))
                {
                    Violation.ProtocolError("MQTT-3.3.2-14", "The Response Topic is not a valid topic name");
                }

                break;
            case PropertyId.CorrelationData:
                CorrelationData = reader.ReadBinary();
                break;
            case PropertyId.SubscriptionIdentifier:
                var subscriptionId = reader.ReadVariableByteInteger();
                if (subscriptionId == 0)
                {
                    Violation.ProtocolError("§3.8.2.1.2", "A Subscription Identifier of 0 is a Protocol Error");
                }

                (SubscriptionIdentifiers ??= []).Add(subscriptionId);
                break;
            case PropertyId.SessionExpiryInterval:
                SessionExpiryInterval = reader.ReadUInt32();
                break;
            case PropertyId.AssignedClientIdentifier:
                AssignedClientIdentifier = reader.ReadString();
                break;
            case PropertyId.ServerKeepAlive:
                ServerKeepAlive = reader.ReadUInt16();
                break;
            case PropertyId.AuthenticationMethod:
                AuthenticationMethod = reader.ReadString();
                break;
            case PropertyId.AuthenticationData:
                AuthenticationData = reader.ReadBinary();
                break;
            case PropertyId.RequestProblemInformation:
                RequestProblemInformation = ReadFlag(ref reader, id) == 1;
                break;
            case PropertyId.WillDelayInterval:
                WillDelayInterval = reader.ReadUInt32();
                break;
            case PropertyId.RequestResponseInformation:
                RequestResponseInformation = ReadFlag(ref reader, id) == 1;
                break;
            case PropertyId.ResponseInformation:
                ResponseInformation = reader.ReadString();
                break;
            case PropertyId.ServerReference:
                ServerReference = reader.ReadString();
                break;
            case PropertyId.ReasonString:
                ReasonString = reader.ReadString();
                break;
            case PropertyId.ReceiveMaximum:
                ReceiveMaximum = ReadNonZeroUInt16(ref reader, id, "§3.1.2.11.3");
                break;
            case PropertyId.TopicAliasMaximum:
                TopicAliasMaximum = reader.ReadUInt16();
                break;
            case PropertyId.TopicAlias:
                TopicAlias = reader.ReadUInt16();
                if (TopicAlias == 0)
                {
                    Violation.Throw(ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-8", "A Topic Alias of 0 is not permitted");
                }

                break;
            case PropertyId.MaximumQoS:
                MaximumQoS = (QualityOfService)ReadFlag(ref reader, id);
                break;
            case PropertyId.RetainAvailable:
                RetainAvailable = ReadFlag(ref reader, id) == 1;
                break;
            case PropertyId.UserProperty:
                var name = reader.ReadString();
                var value = reader.ReadString();
                (UserProperties ??= []).Add(new UserProperty(name, value));
                break;
            case PropertyId.MaximumPacketSize:
                MaximumPacketSize = reader.ReadUInt32();
                if (MaximumPacketSize == 0)
                {
                    Violation.ProtocolError("§3.1.2.11.4", "A Maximum Packet Size of 0 is a Protocol Error");
                }

                break;
            case PropertyId.WildcardSubscriptionAvailable:
                WildcardSubscriptionAvailable = ReadFlag(ref reader, id) == 1;
                break;
            case PropertyId.SubscriptionIdentifierAvailable:
                SubscriptionIdentifiersAvailable = ReadFlag(ref reader, id) == 1;
                break;
            case PropertyId.SharedSubscriptionAvailable:
                SharedSubscriptionAvailable = ReadFlag(ref reader, id) == 1;
                break;
            default:
                Violation.Malformed("§2.2.2", $"Unknown property 0x{(byte)id:X2}");
                break;
        }
    }

    /// <summary>Byte properties that are booleans (and Maximum QoS, 0 or 1) allow only 0 and 1.</summary>
    private static byte ReadFlag(ref MqttReader reader, PropertyId id)
    {
        var value = reader.ReadByte();
        if (value > 1)
        {
            Violation.ProtocolError("§2.2.2.2", $"{id} must be 0 or 1, not {value}");
        }

        return value;
    }

    private static ushort ReadNonZeroUInt16(ref MqttReader reader, PropertyId id, string rule)
    {
        var value = reader.ReadUInt16();
        if (value == 0)
        {
            Violation.ProtocolError(rule, $"{id} of 0 is a Protocol Error");
        }

        return value;
    }
}
