using Starling.Protocol.Packets;

namespace Starling.Protocol.Encoders;

/// <summary>Encodes CONNACK [MQTT-3.2]; on 3.x the reason code becomes a <see cref="ConnectReturnCode"/>.</summary>
public static class ConnAckEncoder
{
    /// <summary>Size of the whole packet.</summary>
    public static int GetSize(ConnAckPacket packet, ProtocolVersion version, bool omitDiagnostics = false) =>
        Sizes.Packet(RemainingLength(packet, version, omitDiagnostics, out _));

    /// <summary>Writes the packet; <paramref name="omitDiagnostics"/> leaves out Reason String and User Properties.</summary>
    public static void Write(ref MqttWriter writer, ConnAckPacket packet, ProtocolVersion version, bool omitDiagnostics = false)
    {
        writer.WriteFixedHeader(0x20, RemainingLength(packet, version, omitDiagnostics, out var propertiesLength));
        var accepted = packet.ReasonCode == ReasonCode.Success;

        // Session Present is 0 whenever the connection is refused [MQTT-3.2.2-4] (3.1.1), [MQTT-3.2.2-6] (5.0);
        // MQTT 3.1 has no Session Present: that byte is reserved and not used.
        writer.WriteByte((byte)(packet.SessionPresent && accepted && version != ProtocolVersion.V310 ? 1 : 0));
        if (version != ProtocolVersion.V500)
        {
            if (!ReasonCodes.TryGetConnectReturnCode(packet.ReasonCode, out var returnCode))
            {
                throw new ArgumentException($"{packet.ReasonCode} has no MQTT 3.x CONNACK return code; close the connection without a CONNACK.", nameof(packet));
            }

            writer.WriteByte((byte)returnCode);
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        writer.WriteVariableByteInteger(propertiesLength);
        writer.WriteProperty(PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
        writer.WriteProperty(PropertyId.ReceiveMaximum, packet.ReceiveMaximum);
        writer.WriteProperty(PropertyId.MaximumQoS, (byte?)packet.MaximumQoS);
        writer.WriteProperty(PropertyId.RetainAvailable, packet.RetainAvailable);
        writer.WriteProperty(PropertyId.MaximumPacketSize, packet.MaximumPacketSize);
        writer.WriteProperty(PropertyId.AssignedClientIdentifier, packet.AssignedClientIdentifier);
        writer.WriteProperty(PropertyId.TopicAliasMaximum, packet.TopicAliasMaximum);
        writer.WriteProperty(PropertyId.WildcardSubscriptionAvailable, packet.WildcardSubscriptionAvailable);
        writer.WriteProperty(PropertyId.SubscriptionIdentifierAvailable, packet.SubscriptionIdentifiersAvailable);
        writer.WriteProperty(PropertyId.SharedSubscriptionAvailable, packet.SharedSubscriptionAvailable);
        writer.WriteProperty(PropertyId.ServerKeepAlive, packet.ServerKeepAlive);
        writer.WriteProperty(PropertyId.ResponseInformation, packet.ResponseInformation);
        writer.WriteProperty(PropertyId.ServerReference, packet.ServerReference);
        writer.WriteProperty(PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
        writer.WriteProperty(PropertyId.AuthenticationData, packet.AuthenticationData);
        if (!omitDiagnostics)
        {
            writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
            writer.WriteUserProperties(packet.UserProperties);
        }
    }

    private static int RemainingLength(ConnAckPacket packet, ProtocolVersion version, bool omitDiagnostics, out int propertiesLength)
    {
        propertiesLength = 0;
        if (version != ProtocolVersion.V500)
        {
            return 2;
        }

        propertiesLength = Sizes.Property(packet.SessionExpiryInterval) + Sizes.Property(packet.ReceiveMaximum)
            + Sizes.Property((byte?)packet.MaximumQoS) + Sizes.Property(packet.RetainAvailable)
            + Sizes.Property(packet.MaximumPacketSize) + Sizes.Property(packet.AssignedClientIdentifier)
            + Sizes.Property(packet.TopicAliasMaximum) + Sizes.Property(packet.WildcardSubscriptionAvailable)
            + Sizes.Property(packet.SubscriptionIdentifiersAvailable) + Sizes.Property(packet.SharedSubscriptionAvailable)
            + Sizes.Property(packet.ServerKeepAlive) + Sizes.Property(packet.ResponseInformation)
            + Sizes.Property(packet.ServerReference) + Sizes.Property(packet.AuthenticationMethod)
            + Sizes.Property(packet.AuthenticationData)
            + Sizes.Diagnostics(packet.ReasonString, packet.UserProperties, omitDiagnostics);
        return 2 + Sizes.PropertyList(propertiesLength);
    }
}
