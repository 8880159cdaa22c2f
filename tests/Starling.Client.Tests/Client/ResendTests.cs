using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Client;

/// <summary>
/// What a reconnect resends, against a scripted broker that can lose its session between PUBREC and PUBCOMP and lower
/// its Receive Maximum (neither mosquitto nor Starling can be made to do either at a chosen moment).
/// </summary>
public sealed class ResendTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_QoS_2_message_the_broker_acknowledged_with_PUBREC_is_not_published_again_to_a_broker_that_lost_the_session()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        await using var client = await ConnectAsync(broker, "qos2-lost", new ConnAckPacket(), ct);

        var publishing = client.PublishAsync("q2/a", "once", QualityOfService.ExactlyOnce, cancellationToken: ct).AsTask();
        var publish = await broker.ExpectAsync<PublishPacket>(ct);
        await broker.SendAsync(new AckPacket(PacketType.PubRec, publish.PacketId), ct); // the broker owns the message now [MQTT-4.3.3-4]
        Assert.Equal(PacketType.PubRel, (await broker.ExpectAsync<AckPacket>(ct)).Type);
        await broker.DropAsync(); // no PUBCOMP

        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(new ConnAckPacket { SessionPresent = false }, ct);

        // The flow ends with the PUBREC's result; sending the PUBLISH again would make the broker deliver it twice.
        Assert.True((await publishing.WaitAsync(TimeSpan.FromSeconds(10), ct)).IsSuccess);
        Assert.Equal(0, client.PendingPublishCount);
        await client.PublishAsync("q2/marker", "next", QualityOfService.AtMostOnce, cancellationToken: ct);
        Assert.Equal("q2/marker", (await broker.ExpectAsync<PublishPacket>(ct)).Topic);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_resumed_session_resends_in_flight_publishes_in_send_order_and_within_the_new_Receive_Maximum()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        await using var client = await ConnectAsync(broker, "resend-order", new ConnAckPacket { ReceiveMaximum = 3 }, ct);

        var publishes = Enumerable.Range(0, 5).Select(i => client.PublishAsync("order/x", $"p{i}", QualityOfService.AtLeastOnce, cancellationToken: ct).AsTask()).ToList();
        var first = new List<PublishPacket>();
        for (var i = 0; i < 3; i++)
        {
            first.Add(await broker.ExpectAsync<PublishPacket>(ct));
        }

        Assert.Equal(["p0", "p1", "p2"], first.Select(Payload));
        await broker.ExpectSilenceAsync(TimeSpan.FromMilliseconds(200), ct); // three in flight: the window is full [MQTT-3.3.4-9]
        await broker.SendAsync(new AckPacket(PacketType.PubAck, first[0].PacketId), ct);
        Assert.Equal("p3", Payload(await broker.ExpectAsync<PublishPacket>(ct))); // in flight now: p1, p2, p3
        await publishes[0].WaitAsync(TimeSpan.FromSeconds(10), ct);
        await broker.DropAsync();

        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(new ConnAckPacket { SessionPresent = true, ReceiveMaximum = 2 }, ct);

        // Resent in the order first sent [MQTT-4.6.0-1], with DUP [MQTT-4.4.0-1], and no more than the new Receive Maximum.
        var resent = new[] { await broker.ExpectAsync<PublishPacket>(ct), await broker.ExpectAsync<PublishPacket>(ct) };
        Assert.Equal(["p1", "p2"], resent.Select(Payload));
        Assert.All(resent, p => Assert.True(p.Dup));
        await broker.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300), ct);

        await broker.SendAsync(new AckPacket(PacketType.PubAck, resent[0].PacketId), ct);
        var third = await broker.ExpectAsync<PublishPacket>(ct);
        Assert.Equal(("p3", true), (Payload(third), third.Dup));
        await broker.SendAsync(new AckPacket(PacketType.PubAck, resent[1].PacketId), ct);
        var fourth = await broker.ExpectAsync<PublishPacket>(ct);
        Assert.Equal(("p4", false), (Payload(fourth), fourth.Dup)); // never sent before
        await broker.SendAsync(new AckPacket(PacketType.PubAck, third.PacketId), ct);
        await broker.SendAsync(new AckPacket(PacketType.PubAck, fourth.PacketId), ct);
        await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(0, client.PendingPublishCount);
    }

    private static string Payload(PublishPacket packet) => System.Text.Encoding.UTF8.GetString(packet.Payload.Span);

    private static async Task<MqttClient> ConnectAsync(ScriptedBroker broker, string clientId, ConnAckPacket connAck, CancellationToken ct)
    {
        var options = ClientTestExtensions.Options(broker.Uri, clientId);
        options.SessionExpiryInterval = 300;
        options.UseOutgoingTopicAliases = false;
        var client = new MqttClient(options);
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(connAck, ct);
        await connecting;
        return client;
    }
}
