using System.Buffers;
using Starling.Protocol.Decoding;
using Starling.TestKit;
using static Starling.TestKit.PacketBuilder;

namespace Starling.Protocol.Tests;

/// <summary>
/// Every malformed or protocol-violating input yields a typed error with the reason code the specification names and
/// the rule it breaks; never an exception, never a packet.
/// </summary>
public sealed class MalformedPacketTests
{
    private const ProtocolVersion V3 = ProtocolVersion.V310;
    private const ProtocolVersion V4 = ProtocolVersion.V311;
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static PacketBuilder Connect5() => Connect().String("MQTT").Byte(5);

    private static PacketBuilder Publish5(byte first = 0x30) => new PacketBuilder(first).String("t");

    private static readonly (string Name, ProtocolVersion Version, byte[] Bytes, ReasonCode Code, string Rule)[] Table =
    [
        // Fixed header and data representation
        ("Remaining Length over four bytes", V4, Hex.Parse("30 FF FF FF FF 01"), ReasonCode.MalformedPacket, "§1.5.5"),
        ("Remaining Length not minimal", V4, Hex.Parse("C0 80 00"), ReasonCode.MalformedPacket, "MQTT-1.5.5-1"),
        ("Property Length not minimal", V5, Publish5().Bytes(0x80, 0x00), ReasonCode.MalformedPacket, "MQTT-1.5.5-1"),
        ("reserved packet type 0", V4, Hex.Parse("00 00"), ReasonCode.MalformedPacket, "§2.1.2"),
        ("AUTH on 3.1.1", V4, Hex.Parse("F0 00"), ReasonCode.MalformedPacket, "§2.1.2"),
        ("PUBREL with flags 0000", V4, Hex.Parse("60 02 00 01"), ReasonCode.MalformedPacket, "MQTT-2.1.3-1"),
        ("SUBSCRIBE with flags 0000", V4, new PacketBuilder(0x80).UInt16(1).String("a").Byte(0), ReasonCode.MalformedPacket, "MQTT-2.1.3-1"),
        ("UNSUBSCRIBE with flags 0011", V4, new PacketBuilder(0xA3).UInt16(1).String("a"), ReasonCode.MalformedPacket, "MQTT-2.1.3-1"),
        ("PINGREQ with flags", V4, Hex.Parse("C1 00"), ReasonCode.MalformedPacket, "MQTT-2.1.3-1"),
        ("PUBACK with flags", V4, Hex.Parse("41 02 00 01"), ReasonCode.MalformedPacket, "MQTT-2.1.3-1"),
        ("PINGREQ with a body", V4, Hex.Parse("C0 01 00"), ReasonCode.MalformedPacket, "§2.1.4"),
        ("PUBACK 3.1.1 with trailing bytes", V4, Hex.Parse("40 03 00 01 00"), ReasonCode.MalformedPacket, "§2.1.4"),
        ("PUBACK shorter than its packet id", V4, Hex.Parse("40 01 00"), ReasonCode.MalformedPacket, "§2.1.4"),
        ("DISCONNECT 3.1.1 with a body", V4, Hex.Parse("E0 01 00"), ReasonCode.MalformedPacket, "§2.1.4"),
        ("string length past the end", V4, Publish(0).UInt16(10).Bytes(0x61), ReasonCode.MalformedPacket, "§2.1.4"),
        ("invalid UTF-8 (lone continuation byte)", V4, Publish(0).Binary([0x61, 0x80]), ReasonCode.MalformedPacket, "MQTT-1.5.4-1"),
        ("UTF-8 encoded surrogate U+D800", V4, Publish(0).Binary([0xED, 0xA0, 0x80]), ReasonCode.MalformedPacket, "MQTT-1.5.4-1"),
        ("overlong UTF-8 encoding of '/'", V4, Publish(0).Binary([0xC0, 0xAF]), ReasonCode.MalformedPacket, "MQTT-1.5.4-1"),
        ("U+0000 in a topic name", V4, Publish(0).Binary([0x61, 0x00, 0x62]), ReasonCode.MalformedPacket, "MQTT-1.5.4-2"),

        // PUBLISH
        ("PUBLISH with QoS 3", V4, new PacketBuilder(0x36).String("t").UInt16(1), ReasonCode.MalformedPacket, "MQTT-3.3.1-4"),
        ("DUP on QoS 0", V4, new PacketBuilder(0x38).String("t"), ReasonCode.MalformedPacket, "MQTT-3.3.1-2"),
        ("PUBLISH QoS 1 with packet id 0", V4, Publish(1).String("t").UInt16(0), ReasonCode.ProtocolError, "MQTT-2.2.1-3"),
        ("PUBLISH topic with '+'", V4, Publish(0).String("a/+/c"), ReasonCode.TopicNameInvalid, "MQTT-3.3.2-2"),
        ("PUBLISH topic with '#'", V5, Publish(0).String("a/#").Properties(), ReasonCode.TopicNameInvalid, "MQTT-3.3.2-2"),
        ("PUBLISH 3.1.1 with an empty topic", V4, Publish(0).String(""), ReasonCode.MalformedPacket, "MQTT-4.7.3-1"),
        ("PUBLISH 5.0 empty topic without alias", V5, Publish(0).String("").Properties(), ReasonCode.ProtocolError, "§3.3.4"),
        ("PUBLISH 5.0 Topic Alias 0", V5, Publish5().Properties(p => p.Byte(0x23).UInt16(0)), ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-8"),

        // Properties
        ("property length past the end", V5, Publish5().VariableByteInteger(20).Byte(0x01), ReasonCode.MalformedPacket, "§2.2.2"),
        ("property runs past property length", V5, Publish5().VariableByteInteger(2).Byte(0x02).UInt32(1), ReasonCode.MalformedPacket, "§2.2.2"),
        ("duplicate Message Expiry Interval", V5, Publish5().Properties(p => p.Byte(0x02).UInt32(1).Byte(0x02).UInt32(2)), ReasonCode.ProtocolError, "§2.2.2"),
        ("duplicate Reason String in PUBACK", V5, new PacketBuilder(0x40).UInt16(1).Byte(0).Properties(p => p.Byte(0x1F).String("a").Byte(0x1F).String("b")), ReasonCode.ProtocolError, "§2.2.2"),
        ("Session Expiry Interval in PUBLISH", V5, Publish5().Properties(p => p.Byte(0x11).UInt32(1)), ReasonCode.MalformedPacket, "§2.2.2"),
        ("Topic Alias in CONNECT", V5, Connect5().Byte(0x02).UInt16(0).Properties(p => p.Byte(0x23).UInt16(1)).String("c"), ReasonCode.MalformedPacket, "§2.2.2"),
        ("unknown property 0x7F", V5, Publish5().Properties(p => p.Byte(0x7F).Byte(0)), ReasonCode.MalformedPacket, "§2.2.2"),
        ("Payload Format Indicator 2", V5, Publish5().Properties(p => p.Byte(0x01).Byte(2)), ReasonCode.ProtocolError, "§2.2.2.2"),
        ("Subscription Identifier 0 in SUBSCRIBE", V5, Subscribe().UInt16(1).Properties(p => p.Byte(0x0B).VariableByteInteger(0)).String("a").Byte(0), ReasonCode.ProtocolError, "§3.8.2.1.2"),
        ("two Subscription Identifiers in SUBSCRIBE", V5, Subscribe().UInt16(1).Properties(p => p.Byte(0x0B).Byte(1).Byte(0x0B).Byte(2)).String("a").Byte(0), ReasonCode.ProtocolError, "§2.2.2"),
        ("Receive Maximum 0 in CONNECT", V5, Connect5().Byte(0x02).UInt16(0).Properties(p => p.Byte(0x21).UInt16(0)).String("c"), ReasonCode.ProtocolError, "§3.1.2.11.3"),
        ("Maximum Packet Size 0 in CONNECT", V5, Connect5().Byte(0x02).UInt16(0).Properties(p => p.Byte(0x27).UInt32(0)).String("c"), ReasonCode.ProtocolError, "§3.1.2.11.4"),
        ("Request Problem Information 2", V5, Connect5().Byte(0x02).UInt16(0).Properties(p => p.Byte(0x17).Byte(2)).String("c"), ReasonCode.ProtocolError, "§2.2.2.2"),
        ("Response Topic with a wildcard", V5, Publish5().Properties(p => p.Byte(0x08).String("r/#")), ReasonCode.ProtocolError, "MQTT-3.3.2-14"),

        // CONNECT
        ("CONNECT reserved flag", V4, Connect().String("MQTT").Byte(4).Byte(0x03).UInt16(0).String("c"), ReasonCode.MalformedPacket, "MQTT-3.1.2-3"),
        ("CONNECT Will QoS without Will Flag", V4, Connect().String("MQTT").Byte(4).Byte(0x0A).UInt16(0).String("c"), ReasonCode.MalformedPacket, "MQTT-3.1.2-11"),
        ("CONNECT Will QoS 3", V4, Connect().String("MQTT").Byte(4).Byte(0x1E).UInt16(0).String("c").String("w").String("p"), ReasonCode.MalformedPacket, "MQTT-3.1.2-12"),
        ("CONNECT Will Retain without Will Flag", V4, Connect().String("MQTT").Byte(4).Byte(0x22).UInt16(0).String("c"), ReasonCode.MalformedPacket, "MQTT-3.1.2-13"),
        ("CONNECT 3.1.1 password without user name", V4, Connect().String("MQTT").Byte(4).Byte(0x42).UInt16(0).String("c").String("pw"), ReasonCode.MalformedPacket, "MQTT-3.1.2-22"),
        ("CONNECT 3.1 password without user name", V3, Connect().String("MQIsdp").Byte(3).Byte(0x42).UInt16(0).String("c").String("pw"), ReasonCode.MalformedPacket, "MQTT-3.1.2-22"),
        ("CONNECT unknown protocol name", V4, Connect().String("MQTX").Byte(4).Byte(0x02).UInt16(0).String("c"), ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1"),
        ("CONNECT protocol level 6", V4, Connect().String("MQTT").Byte(6).Byte(0x02).UInt16(0).String("c"), ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2"),
        ("CONNECT MQIsdp with level 4", V4, Connect().String("MQIsdp").Byte(4).Byte(0x02).UInt16(0).String("c"), ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2"),
        ("CONNECT will topic with a wildcard", V4, Connect().String("MQTT").Byte(4).Byte(0x06).UInt16(0).String("c").String("w/#").String("p"), ReasonCode.TopicNameInvalid, "MQTT-4.7.0-1"),
        ("CONNECT with bytes after the payload", V4, Connect().String("MQTT").Byte(4).Byte(0x02).UInt16(0).String("c").Byte(0), ReasonCode.MalformedPacket, "§2.1.4"),
        ("CONNECT user name flag without user name", V4, Connect().String("MQTT").Byte(4).Byte(0x82).UInt16(0).String("c"), ReasonCode.MalformedPacket, "§2.1.4"),

        // SUBSCRIBE / UNSUBSCRIBE
        ("SUBSCRIBE without topic filters", V4, Subscribe().UInt16(1), ReasonCode.ProtocolError, "MQTT-3.8.3-2"),
        ("SUBSCRIBE 5.0 without topic filters", V5, Subscribe().UInt16(1).Properties(), ReasonCode.ProtocolError, "MQTT-3.8.3-2"),
        ("SUBSCRIBE packet id 0", V4, Subscribe().UInt16(0).String("a").Byte(0), ReasonCode.ProtocolError, "MQTT-2.2.1-3"),
        ("SUBSCRIBE empty topic filter", V4, Subscribe().UInt16(1).String("").Byte(0), ReasonCode.TopicFilterInvalid, "MQTT-4.7.3-1"),
        ("SUBSCRIBE '#' not last", V4, Subscribe().UInt16(1).String("a/#/b").Byte(0), ReasonCode.TopicFilterInvalid, "MQTT-4.7.1-1"),
        ("SUBSCRIBE '#' inside a level", V4, Subscribe().UInt16(1).String("a/b#").Byte(0), ReasonCode.TopicFilterInvalid, "MQTT-4.7.1-1"),
        ("SUBSCRIBE '+' inside a level", V5, Subscribe().UInt16(1).Properties().String("a/b+/c").Byte(0), ReasonCode.TopicFilterInvalid, "MQTT-4.7.1-2"),
        ("SUBSCRIBE shared without filter", V5, Subscribe().UInt16(1).Properties().String("$share/g").Byte(0), ReasonCode.TopicFilterInvalid, "MQTT-4.8.2-2"),
        ("SUBSCRIBE shared with wildcard share name", V5, Subscribe().UInt16(1).Properties().String("$share/g+/a").Byte(0), ReasonCode.TopicFilterInvalid, "MQTT-4.8.2-2"),
        ("SUBSCRIBE shared with empty share name", V5, Subscribe().UInt16(1).Properties().String("$share//a").Byte(0), ReasonCode.TopicFilterInvalid, "MQTT-4.8.2-1"),
        ("SUBSCRIBE requested QoS 3", V4, Subscribe().UInt16(1).String("a").Byte(3), ReasonCode.MalformedPacket, "MQTT-3.8.3-4"),
        ("SUBSCRIBE 3.1.1 reserved option bits", V4, Subscribe().UInt16(1).String("a").Byte(0x04), ReasonCode.MalformedPacket, "MQTT-3.8.3-4"),
        ("SUBSCRIBE 5.0 reserved option bits", V5, Subscribe().UInt16(1).Properties().String("a").Byte(0x40), ReasonCode.MalformedPacket, "MQTT-3.8.3-5"),
        ("SUBSCRIBE Retain Handling 3", V5, Subscribe().UInt16(1).Properties().String("a").Byte(0x30), ReasonCode.ProtocolError, "§3.8.3.1"),
        ("SUBSCRIBE 5.0 Maximum QoS 3", V5, Subscribe().UInt16(1).Properties().String("a").Byte(3), ReasonCode.ProtocolError, "§3.8.3.1"),
        ("SUBSCRIBE No Local on a shared subscription", V5, Subscribe().UInt16(1).Properties().String("$share/g/a").Byte(0x04), ReasonCode.ProtocolError, "MQTT-3.8.3-4"),
        ("UNSUBSCRIBE without topic filters", V4, Unsubscribe().UInt16(1), ReasonCode.ProtocolError, "MQTT-3.10.3-2"),
        ("UNSUBSCRIBE empty topic filter", V5, Unsubscribe().UInt16(1).Properties().String(""), ReasonCode.TopicFilterInvalid, "MQTT-4.7.3-1"),

        // Acknowledgements and the rest
        ("PUBACK packet id 0", V4, Hex.Parse("40 02 00 00"), ReasonCode.ProtocolError, "MQTT-2.2.1-3"),
        ("PUBREC reason 0x92 (not allowed there)", V5, Hex.Parse("50 03 00 01 92"), ReasonCode.ProtocolError, "MQTT-3.5.2-1"),
        ("PUBREL reason 0x10 (not allowed there)", V5, Hex.Parse("62 03 00 01 10"), ReasonCode.ProtocolError, "MQTT-3.6.2-1"),
        ("CONNACK reserved flags", V4, Hex.Parse("20 02 02 00"), ReasonCode.MalformedPacket, "MQTT-3.2.2-1"),
        ("CONNACK 3.1.1 return code 6", V4, Hex.Parse("20 02 00 06"), ReasonCode.ProtocolError, "§3.2.2.3"),
        ("CONNACK 5.0 reason 0x04", V5, Hex.Parse("20 03 00 04 00"), ReasonCode.ProtocolError, "MQTT-3.2.2-8"),
        ("SUBACK 3.1.1 return code 0x03", V4, Hex.Parse("90 03 00 01 03"), ReasonCode.ProtocolError, "MQTT-3.9.3-2"),
        ("DISCONNECT reason 0x05", V5, Hex.Parse("E0 01 05"), ReasonCode.ProtocolError, "MQTT-3.14.2-1"),
        ("AUTH reason 0x01", V5, Hex.Parse("F0 02 01 00"), ReasonCode.ProtocolError, "MQTT-3.15.2-1"),
        ("AUTH with a reason code but no Property Length", V5, Hex.Parse("F0 01 18"), ReasonCode.MalformedPacket, "§3.15.2.2.1"),
        ("AUTH without Authentication Method", V5, Hex.Parse("F0 02 18 00"), ReasonCode.ProtocolError, "§3.15.2.2.2"),
        ("CONNECT Authentication Data without Method", V5, Connect5().Byte(0x02).UInt16(0).Properties(p => p.Byte(0x16).Binary([1])).String("c"), ReasonCode.ProtocolError, "§3.1.2.11.10"),
        ("CONNACK 5.0 without Property Length", V5, Hex.Parse("20 02 00 00"), ReasonCode.MalformedPacket, "§2.1.4"),
    ];

    public static TheoryData<string> Names() => [.. Table.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Malformed_input_yields_the_specified_reason_code_and_rule(string name)
    {
        var (_, version, bytes, code, rule) = Table.Single(t => t.Name == name);

        var error = Decode(bytes, version);

        Assert.Equal(code, error.ReasonCode);
        Assert.Equal(rule, error.Rule);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Malformed_input_split_byte_by_byte_yields_the_same_error(string name)
    {
        var (_, version, bytes, code, rule) = Table.Single(t => t.Name == name);

        var error = Decode(bytes, version, Support.Segments.ByteByByte(bytes));

        Assert.Equal((code, rule), (error.ReasonCode, error.Rule));
    }

    [Fact]
    public void A_packet_over_the_maximum_size_is_refused_from_its_fixed_header_before_the_body_arrives()
    {
        // Only the fixed header of a 10 MB PUBLISH has arrived [MQTT-3.2.2-15] / Maximum Packet Size.
        var header = Hex.Parse("30 80 AD E2 04");
        var status = FrameReader.TryReadFrame(new ReadOnlySequence<byte>(header), 1024 * 1024, out _, out var error);

        Assert.Equal(FrameStatus.Error, status);
        Assert.Equal(ReasonCode.PacketTooLarge, error.ReasonCode);
    }

    [Fact]
    public void A_packet_exactly_at_the_maximum_size_is_accepted()
    {
        var bytes = Publish(0).String("t").Bytes(new byte[100]).Build();
        Assert.Equal(FrameStatus.Complete, FrameReader.TryReadFrame(new ReadOnlySequence<byte>(bytes), bytes.Length, out _, out _));
        Assert.Equal(FrameStatus.Error, FrameReader.TryReadFrame(new ReadOnlySequence<byte>(bytes), bytes.Length - 1, out _, out _));
    }

    private static MqttProtocolError Decode(byte[] bytes, ProtocolVersion version, ReadOnlySequence<byte>? sequence = null)
    {
        var buffer = sequence ?? new ReadOnlySequence<byte>(bytes);
        var status = PacketDecoder.TryRead(ref buffer, version, int.MaxValue, out var packet, out var error);
        Assert.True(status == FrameStatus.Error, $"Expected an error but got {status} {packet?.Type}");
        Assert.Null(packet);
        return error;
    }
}
