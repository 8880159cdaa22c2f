using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Protocol.Tests.Interop;

/// <summary>
/// The TestKit raw client and this codec against Debian's mosquitto, a broker no one here wrote: our CONNECT,
/// SUBSCRIBE and PUBLISH bytes are accepted and its answers decode, in every protocol version.
/// </summary>
public sealed class RawClientAgainstMosquittoTests
{
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Connect_subscribe_publish_round_trip_through_mosquitto(ProtocolVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync(ct);
        await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", broker.Port, ct);

        await client.SendAsync(new ConnectPacket { ProtocolVersion = version, ClientId = $"raw-{version}", KeepAlive = 30 }, ct);
        var connack = await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct);
        Assert.Equal(ReasonCode.Success, connack.ReasonCode);

        await client.SendAsync(new SubscribePacket { PacketId = 1, Subscriptions = [new("raw/+", QualityOfService.ExactlyOnce)] }, ct);
        var suback = await client.ExpectAsync<SubAckPacket>(cancellationToken: ct);
        Assert.Equal((ushort)1, suback.PacketId);
        Assert.Equal([ReasonCode.GrantedQoS2], suback.ReasonCodes);

        await client.SendAsync(new PublishPacket { Topic = "raw/1", QoS = QualityOfService.AtLeastOnce, PacketId = 2, Payload = "hi"u8.ToArray() }, ct);
        IMqttPacket[] received = [await client.ReceiveAsync(cancellationToken: ct), await client.ReceiveAsync(cancellationToken: ct)];
        var puback = Assert.Single(received.OfType<AckPacket>());
        Assert.Equal((PacketType.PubAck, (ushort)2), (puback.Type, puback.PacketId));
        var delivered = Assert.Single(received.OfType<PublishPacket>());
        Assert.Equal("raw/1", delivered.Topic);
        Assert.Equal(QualityOfService.AtLeastOnce, delivered.QoS);
        Assert.Equal("hi"u8.ToArray(), delivered.Payload.ToArray());

        await client.SendAsync(new AckPacket(PacketType.PubAck, delivered.PacketId), ct);
        await client.SendAsync(PingReqPacket.Instance, ct);
        await client.ExpectBytesAsync(Hex.Parse("D0 00"), cancellationToken: ct);
        await client.SendAsync(DisconnectPacket.Normal, ct);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task Mosquitto_answers_an_unsupported_protocol_level_with_return_code_1()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoBroker.StartAsync(ct);
        await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", broker.Port, ct);

        await client.SendAsync(PacketBuilder.Connect().String("MQTT").Byte(9).Byte(0x02).UInt16(0).String("c"), ct);

        await client.ExpectBytesAsync(Hex.Parse("20 02 00 01"), cancellationToken: ct);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }
}
