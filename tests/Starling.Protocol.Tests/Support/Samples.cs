using System.Text;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Tests.Support;

/// <summary>A representative packet of every type for every protocol version it exists in, with all fields used.</summary>
public static class Samples
{
    public static readonly ProtocolVersion[] Versions = [ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500];

    public static IEnumerable<(string Name, ProtocolVersion Version, IMqttPacket Packet)> All()
    {
        foreach (var version in Versions)
        {
            foreach (var (name, packet) in For(version))
            {
                yield return (name, version, packet);
            }
        }
    }

    public static IEnumerable<(string Name, IMqttPacket Packet)> For(ProtocolVersion v)
    {
        var v5 = v == ProtocolVersion.V500;
        IReadOnlyList<UserProperty> props = v5 ? [new("a", "1"), new("a", "2"), new("ключ", "значение")] : [];
        yield return ("connect-minimal", new ConnectPacket { ProtocolVersion = v, ClientId = "c1", KeepAlive = 60 });
        yield return ("connect-full", new ConnectPacket
        {
            ProtocolVersion = v,
            ClientId = "client-🐦",
            CleanSession = false,
            KeepAlive = 65535,
            UserName = "user",
            Password = [1, 2, 3, 0],
            Will = new WillMessage
            {
                Topic = "will/topic",
                Payload = "gone"u8.ToArray(),
                QoS = QualityOfService.ExactlyOnce,
                Retain = true,
                WillDelayInterval = v5 ? 30 : null,
                PayloadFormat = v5 ? PayloadFormatIndicator.Utf8 : null,
                MessageExpiryInterval = v5 ? 3600u : null,
                ContentType = v5 ? "text/plain" : null,
                ResponseTopic = v5 ? "reply/here" : null,
                CorrelationData = v5 ? [9, 8, 7] : null,
                UserProperties = props,
            },
            SessionExpiryInterval = v5 ? uint.MaxValue : null,
            ReceiveMaximum = v5 ? (ushort)20 : null,
            MaximumPacketSize = v5 ? 1_048_576u : null,
            TopicAliasMaximum = v5 ? (ushort)10 : null,
            RequestResponseInformation = v5 ? true : null,
            RequestProblemInformation = v5 ? false : null,
            AuthenticationMethod = v5 ? "SCRAM-SHA-1" : null,
            AuthenticationData = v5 ? [0xDE, 0xAD] : null,
            UserProperties = props,
        });
        yield return ("connack-accepted", new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.Success });
        yield return ("connack-refused", new ConnAckPacket { ReasonCode = ReasonCode.NotAuthorized });
        if (v5)
        {
            yield return ("connack-full", new ConnAckPacket
            {
                ReasonCode = ReasonCode.Success,
                SessionExpiryInterval = 120,
                ReceiveMaximum = 100,
                MaximumQoS = QualityOfService.AtLeastOnce,
                RetainAvailable = false,
                MaximumPacketSize = 65536,
                AssignedClientIdentifier = "auto-123",
                TopicAliasMaximum = 16,
                ReasonString = "welcome",
                WildcardSubscriptionAvailable = true,
                SubscriptionIdentifiersAvailable = true,
                SharedSubscriptionAvailable = false,
                ServerKeepAlive = 30,
                ResponseInformation = "resp/",
                ServerReference = "other:1883",
                AuthenticationMethod = "SCRAM-SHA-1",
                AuthenticationData = [1],
                UserProperties = props,
            });
        }

        yield return ("publish-qos0", new PublishPacket { Topic = "a/b", Payload = "hello"u8.ToArray() });
        yield return ("publish-qos0-empty", new PublishPacket { Topic = "t", Retain = true });
        yield return ("publish-qos1", new PublishPacket { Topic = "sensors/1/temp", QoS = QualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[64] });
        yield return ("publish-qos2-dup", new PublishPacket
        {
            Topic = "x/y/z",
            QoS = QualityOfService.ExactlyOnce,
            Dup = true,
            Retain = true,
            PacketId = 65535,
            Payload = Encoding.UTF8.GetBytes(new string('p', 300)),
            PayloadFormat = v5 ? PayloadFormatIndicator.Utf8 : null,
            MessageExpiryInterval = v5 ? 10u : null,
            TopicAlias = v5 ? (ushort)3 : (ushort)0,
            ResponseTopic = v5 ? "r/t" : null,
            CorrelationData = v5 ? [1, 2] : null,
            ContentType = v5 ? "application/json" : null,
            SubscriptionIdentifiers = v5 ? [1, 268_435_455] : [],
            UserProperties = props,
        });
        if (v5)
        {
            yield return ("publish-alias-only", new PublishPacket { Topic = "", TopicAlias = 7, Payload = new byte[] { 1 } });
        }

        foreach (var type in new[] { PacketType.PubAck, PacketType.PubRec, PacketType.PubRel, PacketType.PubComp })
        {
            yield return ($"{type}-plain", new AckPacket(type, 42));
            if (v5)
            {
                var code = type is PacketType.PubRel or PacketType.PubComp ? ReasonCode.PacketIdentifierNotFound : ReasonCode.NoMatchingSubscribers;
                yield return ($"{type}-code", new AckPacket(type, 43, code));
                yield return ($"{type}-props", new AckPacket(type, 44, code) { ReasonString = "why", UserProperties = props });
                yield return ($"{type}-success-props", new AckPacket(type, 45) { UserProperties = props });
            }
        }

        yield return ("subscribe", new SubscribePacket
        {
            PacketId = 7,
            Subscriptions =
            [
                new TopicSubscription("a/+/c", QualityOfService.AtLeastOnce),
                new TopicSubscription("#", QualityOfService.ExactlyOnce) { NoLocal = v5, RetainAsPublished = v5, RetainHandling = v5 ? RetainHandling.DoNotSend : RetainHandling.SendAtSubscribe },
                new TopicSubscription("$share/g/s/#", QualityOfService.AtMostOnce) { RetainHandling = v5 ? RetainHandling.SendAtSubscribeIfNew : RetainHandling.SendAtSubscribe },
            ],
            SubscriptionIdentifier = v5 ? 268_435_455 : null,
            UserProperties = props,
        });
        yield return ("suback", new SubAckPacket
        {
            PacketId = 7,
            ReasonCodes = [ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2, ReasonCode.GrantedQoS0, ReasonCode.UnspecifiedError],
            ReasonString = v5 ? "partly" : null,
            UserProperties = props,
        });
        if (v5)
        {
            yield return ("suback-v5-codes", new SubAckPacket { PacketId = 8, ReasonCodes = [ReasonCode.TopicFilterInvalid, ReasonCode.SharedSubscriptionsNotSupported, ReasonCode.WildcardSubscriptionsNotSupported] });
        }

        yield return ("unsubscribe", new UnsubscribePacket { PacketId = 9, TopicFilters = ["a/+/c", "$share/g/x"], UserProperties = props });
        yield return ("unsuback", new UnsubAckPacket
        {
            PacketId = 9,
            ReasonCodes = v5 ? [ReasonCode.Success, ReasonCode.NoSubscriptionExisted] : [],
            ReasonString = v5 ? "done" : null,
            UserProperties = props,
        });
        yield return ("pingreq", PingReqPacket.Instance);
        yield return ("pingresp", PingRespPacket.Instance);
        yield return ("disconnect", DisconnectPacket.Normal);
        if (v5)
        {
            yield return ("disconnect-code", new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage });
            yield return ("disconnect-full", new DisconnectPacket
            {
                ReasonCode = ReasonCode.ServerMoved,
                SessionExpiryInterval = 0,
                ReasonString = "moved",
                ServerReference = "elsewhere",
                UserProperties = props,
            });
            yield return ("auth-empty", new AuthPacket { ReasonCode = ReasonCode.Success });
            yield return ("auth-full", new AuthPacket
            {
                ReasonCode = ReasonCode.ContinueAuthentication,
                AuthenticationMethod = "SCRAM-SHA-1",
                AuthenticationData = [1, 2, 3],
                ReasonString = "more",
                UserProperties = props,
            });
        }
    }
}
