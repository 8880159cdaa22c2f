namespace Starling.Protocol.Decoding;

internal static class PacketIds
{
    /// <summary>SUBSCRIBE, UNSUBSCRIBE and QoS &gt; 0 PUBLISH carry a non-zero packet identifier [MQTT-2.2.1-3] ([MQTT-2.3.1-1] in 3.1.1).</summary>
    public static ushort ReadNonZero(ref MqttReader reader, PacketType type)
    {
        var packetId = reader.ReadUInt16();
        if (packetId == 0)
        {
            Violation.ProtocolError("MQTT-2.2.1-3", $"{type} has packet identifier 0");
        }

        return packetId;
    }
}
