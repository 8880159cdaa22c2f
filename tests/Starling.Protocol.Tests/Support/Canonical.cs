using System.Text.Json;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Tests.Support;

/// <summary>A packet as JSON of its runtime type: two packets are equal when every public field is.</summary>
public static class Canonical
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static string Of(IMqttPacket packet) => JsonSerializer.Serialize((object)packet, Options);

    public static string Of(IMqttPacket packet, ProtocolVersion version) => Of(Normalize(packet, version));

    /// <summary>What survives an encode/decode at <paramref name="version"/>: 3.x has no properties, and some values change form.</summary>
    public static IMqttPacket Normalize(IMqttPacket packet, ProtocolVersion version)
    {
        if (version == ProtocolVersion.V500)
        {
            return packet;
        }

        return packet switch
        {
            ConnectPacket c => new ConnectPacket
            {
                ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = c.CleanSession, KeepAlive = c.KeepAlive,
                UserName = c.UserName, Password = c.Password,
                Will = c.Will is null ? null : new WillMessage { Topic = c.Will.Topic, Payload = c.Will.Payload, QoS = c.Will.QoS, Retain = c.Will.Retain },
            },
            ConnAckPacket c => new ConnAckPacket
            {
                SessionPresent = c.SessionPresent && c.ReasonCode == ReasonCode.Success && version != ProtocolVersion.V310,
                ReasonCode = ReasonCodes.TryGetConnectReturnCode(c.ReasonCode, out var code)
                    ? ReasonCodes.FromConnectReturnCode(code)
                    : throw new InvalidOperationException($"{c.ReasonCode} has no 3.x CONNACK"),
            },
            PublishPacket p => new PublishPacket { Topic = p.Topic, Payload = p.Payload, QoS = p.QoS, Retain = p.Retain, Dup = p.Dup, PacketId = p.PacketId },
            AckPacket a => new AckPacket(a.Type, a.PacketId),
            SubscribePacket s => new SubscribePacket
            {
                PacketId = s.PacketId,
                Subscriptions = s.Subscriptions.Select(x => new TopicSubscription(x.TopicFilter, x.MaximumQoS)).ToList(),
            },
            SubAckPacket s => new SubAckPacket
            {
                PacketId = s.PacketId,
                ReasonCodes = s.ReasonCodes.Select(c => ReasonCodes.IsSuccess(c) ? c : ReasonCode.UnspecifiedError).ToList(),
            },
            UnsubscribePacket u => new UnsubscribePacket { PacketId = u.PacketId, TopicFilters = u.TopicFilters },
            UnsubAckPacket u => new UnsubAckPacket { PacketId = u.PacketId },
            DisconnectPacket => DisconnectPacket.Normal,
            _ => packet,
        };
    }
}
