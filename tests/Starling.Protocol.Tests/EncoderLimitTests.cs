using System.Buffers;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Protocol.Tests;

/// <summary>Maximum Packet Size on the sending side [MQTT-3.1.2-24], [MQTT-3.1.2-25] and string limits.</summary>
public sealed class EncoderLimitTests
{
    private static readonly UserProperty[] Bulky = [new("why", new string('x', 200))];

    [Fact]
    public void An_acknowledgement_too_large_for_the_peer_loses_its_reason_string_and_user_properties()
    {
        // [MQTT-3.4.2-2] / [MQTT-3.4.2-3]: leave them out rather than exceed the peer's Maximum Packet Size.
        var ack = new AckPacket(PacketType.PubAck, 1, ReasonCode.QuotaExceeded) { ReasonString = new string('r', 100), UserProperties = Bulky };
        var output = new ArrayBufferWriter<byte>();

        Assert.True(PacketEncoder.TryEncode(ack, ProtocolVersion.V500, output, maximumPacketSize: 64));

        Assert.Equal(TestKit.Hex.Parse("40 03 00 01 97"), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_packet_that_fits_keeps_its_diagnostics()
    {
        var disconnect = new DisconnectPacket { ReasonCode = ReasonCode.ServerShuttingDown, ReasonString = "bye" };
        var output = new ArrayBufferWriter<byte>();

        Assert.True(PacketEncoder.TryEncode(disconnect, ProtocolVersion.V500, output, maximumPacketSize: 64));

        Assert.Equal(PacketEncoder.ToArray(disconnect, ProtocolVersion.V500), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_publish_too_large_for_the_peer_is_not_written_at_all()
    {
        // [MQTT-3.1.2-24]: the server must not send it; a PUBLISH's user properties are not droppable.
        var publish = new PublishPacket { Topic = "t", Payload = new byte[100], UserProperties = Bulky };
        var output = new ArrayBufferWriter<byte>();

        Assert.False(PacketEncoder.TryEncode(publish, ProtocolVersion.V500, output, maximumPacketSize: 100));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void A_string_over_65535_utf8_bytes_is_refused()
    {
        var publish = new PublishPacket { Topic = new string('é', 40_000) }; // 80,000 UTF-8 bytes
        Assert.Throws<ArgumentException>(() => PacketEncoder.ToArray(publish, ProtocolVersion.V311));
    }

    [Fact]
    public void A_qos1_publish_without_a_packet_identifier_is_refused()
    {
        var publish = new PublishPacket { Topic = "t", QoS = QualityOfService.AtLeastOnce };
        Assert.Throws<ArgumentException>(() => PacketEncoder.ToArray(publish, ProtocolVersion.V311));
    }

    [Fact]
    public void Mqtt3_connack_carries_the_closest_return_code_and_no_session_present_on_refusal()
    {
        // [MQTT-3.2.2-4]: Session Present is 0 when the return code is not 0.
        var refused = new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.BadUserNameOrPassword };
        Assert.Equal(TestKit.Hex.Parse("20 02 00 04"), PacketEncoder.ToArray(refused, ProtocolVersion.V311));
        var banned = new ConnAckPacket { ReasonCode = ReasonCode.Banned };
        Assert.Equal(TestKit.Hex.Parse("20 02 00 05"), PacketEncoder.ToArray(banned, ProtocolVersion.V311));
        var busy = new ConnAckPacket { ReasonCode = ReasonCode.ServerBusy };
        Assert.Equal(TestKit.Hex.Parse("20 02 00 03"), PacketEncoder.ToArray(busy, ProtocolVersion.V311));
    }
}
