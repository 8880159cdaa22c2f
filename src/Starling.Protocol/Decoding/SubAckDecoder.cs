using Starling.Protocol.Packets;

namespace Starling.Protocol.Decoding;

/// <summary>Decodes SUBACK [MQTT-3.9].</summary>
internal static class SubAckDecoder
{
    public static SubAckPacket Decode(ref MqttReader reader, ProtocolVersion version)
    {
        var packetId = PacketIds.ReadNonZero(ref reader, PacketType.SubAck);
        var properties = version == ProtocolVersion.V500 ? DecodedProperties.Read(ref reader, PropertyScope.SubAck) : default;
        if (reader.End)
        {
            Violation.ProtocolError("MQTT-3.8.4-6", "SUBACK has no reason codes");
        }

        var codes = new List<ReasonCode>((int)reader.Remaining);
        while (!reader.End)
        {
            var code = (ReasonCode)reader.ReadByte();
            var allowed = version == ProtocolVersion.V500
                ? ReasonCodes.IsAllowed(PacketType.SubAck, code)
                : code is ReasonCode.GrantedQoS0 or ReasonCode.GrantedQoS1 or ReasonCode.GrantedQoS2 or ReasonCode.UnspecifiedError;
            if (!allowed)
            {
                Violation.ProtocolError("MQTT-3.9.3-2", $"SUBACK return code 0x{(byte)code:X2} is reserved");
            }

            codes.Add(code);
        }

        return new SubAckPacket
        {
            PacketId = packetId,
            ReasonCodes = codes,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertyList,
        };
    }
}
