using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Starling.Protocol.Decoding;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;
using Starling.Protocol.Tests.Support;

namespace Starling.Protocol.Tests;

/// <summary>FsCheck properties: any valid packet survives encode → decode unchanged, at every protocol version.</summary>
public sealed class PropertyBasedTests
{
    private static readonly Gen<ProtocolVersion> Versions = Gen.Elements(ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500);

    // Printable text including multi-byte characters, never U+0000 or a surrogate half.
    private static readonly Gen<string> Text = Gen.Elements("a", "b", "z", "0", " ", "é", "ß", "中", "🐦", "-", "_", ".")
        .ArrayOf().Select(parts => string.Concat(parts));

    private static readonly Gen<string> TopicLevel = Gen.Elements("a", "bc", "sensor", "温度", "", "$x", "1");

    private static readonly Gen<string> TopicName = TopicLevel.NonEmptyListOf()
        .Select(levels => string.Join('/', levels))
        .Where(t => t.Length > 0);

    private static readonly Gen<string> TopicFilter = Gen.Elements("a", "+", "bc", "", "x1").NonEmptyListOf()
        .Zip(Gen.Elements(false, true), (levels, hash) => string.Join('/', levels) + (hash ? "/#" : ""))
        .Where(f => f.Length > 0);

    private static readonly Gen<byte[]> Bytes = ArbMap.Default.GeneratorFor<byte[]>().Select(b => b ?? []);

    private static readonly Gen<IReadOnlyList<UserProperty>> UserProperties =
        Text.Zip(Text, (n, v) => new UserProperty(n, v)).ListOf().Select(l => (IReadOnlyList<UserProperty>)[.. l]);

    private static readonly Gen<QualityOfService> QoS = Gen.Elements(QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce);

    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : struct => Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(v => (T?)v)));

    private static Gen<T?> MaybeRef<T>(Gen<T> gen)
        where T : class => Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(v => (T?)v)));

    private static readonly Gen<PublishPacket> Publish =
        from topic in TopicName
        from payload in Bytes
        from qos in QoS
        from retain in ArbMap.Default.GeneratorFor<bool>()
        from dup in ArbMap.Default.GeneratorFor<bool>()
        from packetId in Gen.Choose(1, 65535)
        from expiry in Maybe(ArbMap.Default.GeneratorFor<uint>())
        from format in Maybe(Gen.Elements(PayloadFormatIndicator.Unspecified, PayloadFormatIndicator.Utf8))
        from alias in Gen.Choose(0, 65535)
        from response in MaybeRef(TopicName)
        from correlation in MaybeRef(Bytes)
        from contentType in MaybeRef(Text)
        from subscriptionIds in Gen.Choose(1, 268_435_455).ListOf()
        from userProperties in UserProperties
        select new PublishPacket
        {
            Topic = topic,
            Payload = payload,
            QoS = qos,
            Retain = retain,
            Dup = dup && qos != QualityOfService.AtMostOnce,
            PacketId = qos == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)packetId,
            MessageExpiryInterval = expiry,
            PayloadFormat = format,
            TopicAlias = (ushort)alias,
            ResponseTopic = response,
            CorrelationData = correlation,
            ContentType = contentType,
            SubscriptionIdentifiers = [.. subscriptionIds],
            UserProperties = userProperties,
        };

    private static readonly Gen<ConnectPacket> Connect =
        from version in Versions
        from clientId in Text
        from clean in ArbMap.Default.GeneratorFor<bool>()
        from keepAlive in Gen.Choose(0, 65535)
        from userName in MaybeRef(Text)
        from password in MaybeRef(Bytes)
        from willTopic in MaybeRef(TopicName)
        from willPayload in Bytes
        from willQoS in QoS
        from willDelay in Maybe(ArbMap.Default.GeneratorFor<uint>())
        from sessionExpiry in Maybe(ArbMap.Default.GeneratorFor<uint>())
        from receiveMaximum in Maybe(Gen.Choose(1, 65535).Select(i => (ushort)i))
        from maximumPacketSize in Maybe(Gen.Choose(1, int.MaxValue).Select(i => (uint)i))
        from userProperties in UserProperties
        select new ConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            CleanSession = clean,
            KeepAlive = (ushort)keepAlive,
            UserName = version == ProtocolVersion.V500 || password is null ? userName : userName ?? "u",
            Password = password,
            Will = willTopic is null ? null : new WillMessage { Topic = willTopic, Payload = willPayload, QoS = willQoS, WillDelayInterval = willDelay },
            SessionExpiryInterval = sessionExpiry,
            ReceiveMaximum = receiveMaximum,
            MaximumPacketSize = maximumPacketSize,
            UserProperties = userProperties,
        };

    private static readonly Gen<SubscribePacket> Subscribe =
        from packetId in Gen.Choose(1, 65535)
        from filters in TopicFilter.Zip(QoS, (f, q) => new TopicSubscription(f, q) { RetainHandling = RetainHandling.SendAtSubscribeIfNew, RetainAsPublished = true }).NonEmptyListOf()
        from id in Maybe(Gen.Choose(1, 268_435_455))
        select new SubscribePacket { PacketId = (ushort)packetId, Subscriptions = [.. filters], SubscriptionIdentifier = id };

    [Property(MaxTest = 500)]
    public Property Any_publish_round_trips() =>
        Prop.ForAll(Publish.ToArbitrary(), Versions.ToArbitrary(), (packet, version) => RoundTrips(packet, version));

    [Property(MaxTest = 300)]
    public Property Any_connect_round_trips() =>
        Prop.ForAll(Connect.ToArbitrary(), packet => RoundTrips(packet, packet.ProtocolVersion));

    [Property(MaxTest = 300)]
    public Property Any_subscribe_round_trips() =>
        Prop.ForAll(Subscribe.ToArbitrary(), Versions.ToArbitrary(), (packet, version) => RoundTrips(packet, version));

    private static readonly Gen<AckPacket> Ack =
        from type in Gen.Elements(PacketType.PubAck, PacketType.PubRec, PacketType.PubRel, PacketType.PubComp)
        from packetId in Gen.Choose(1, 65535)
        from reason in MaybeRef(Text)
        from userProperties in UserProperties
        select new AckPacket(type, (ushort)packetId) { ReasonString = reason, UserProperties = userProperties };

    [Property(MaxTest = 300)]
    public Property Any_acknowledgement_round_trips() =>
        Prop.ForAll(Ack.ToArbitrary(), Versions.ToArbitrary(), (packet, version) => RoundTrips(packet, version));

    [Property(MaxTest = 500)]
    public Property Variable_byte_integers_round_trip_across_their_whole_range() =>
        Prop.ForAll(Gen.Frequency((1, Gen.Choose(1, 300)), (1, Gen.Choose(16_000, 17_000)), (1, Gen.Choose(1, 268_435_455))).ToArbitrary(), id =>
        {
            var packet = new SubscribePacket { PacketId = 1, Subscriptions = [new("a", QualityOfService.AtMostOnce)], SubscriptionIdentifier = id };
            var bytes = PacketEncoder.ToArray(packet, ProtocolVersion.V500);
            var decoded = (SubscribePacket)RoundTripTests.Decode(new ReadOnlySequence<byte>(bytes), ProtocolVersion.V500, bytes.Length);
            return decoded.SubscriptionIdentifier == id;
        });

    private static bool RoundTrips(IMqttPacket packet, ProtocolVersion version)
    {
        var bytes = PacketEncoder.ToArray(packet, version);
        if (bytes.Length != PacketEncoder.GetSize(packet, version))
        {
            return false;
        }

        var buffer = new ReadOnlySequence<byte>(bytes);
        var status = PacketDecoder.TryRead(ref buffer, version, int.MaxValue, out var decoded, out _);
        return status == FrameStatus.Complete && buffer.IsEmpty && Canonical.Of(packet, version) == Canonical.Of(decoded!);
    }
}
