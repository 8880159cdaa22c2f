using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Connect;

/// <summary>CONNECT and CONNACK over a real socket, for every protocol version.</summary>
public sealed class ConnectTests
{
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_client_of_each_version_is_accepted(ProtocolVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("c1", version, cancellationToken: ct);

        Assert.False(client.LastConnAck!.SessionPresent);
        await client.SendAsync(PingReqPacket.Instance, ct);
        await client.ExpectBytesAsync(Hex.Parse("D0 00"), cancellationToken: ct);
    }

    [Fact]
    public async Task An_unsupported_protocol_level_gets_return_code_1_and_the_connection_closes()
    {
        // [MQTT-3.1.2-2]: level 6 is not supported; 3.x answer is CONNACK 0x01.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.OpenAsync(ct);

        await client.SendAsync(PacketBuilder.Connect().String("MQTT").Byte(6).Byte(0x02).UInt16(60).String("c"), ct);

        await client.ExpectBytesAsync(Hex.Parse("20 02 00 01"), cancellationToken: ct);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task A_v5_client_with_a_bad_level_5_connect_gets_the_v5_reason_code()
    {
        // A level-5 CONNECT with Receive Maximum 0 is a Protocol Error: CONNACK 0x82, then close [MQTT-3.2.2-8].
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.OpenAsync(ct);
        client.Version = ProtocolVersion.V500;

        await client.SendAsync(PacketBuilder.Connect().String("MQTT").Byte(5).Byte(0x02).UInt16(60).Properties(p => p.Byte(0x21).UInt16(0)).String("c"), ct);

        var connack = await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct);
        Assert.Equal(ReasonCode.ProtocolError, connack.ReasonCode);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task The_first_packet_must_be_connect()
    {
        // [MQTT-3.1.0-1]: anything else first closes the connection without CONNACK.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.OpenAsync(ct);

        await client.SendAsync(Hex.Parse("C0 00"), ct);

        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_second_connect_is_a_protocol_error(ProtocolVersion version)
    {
        // [MQTT-3.1.0-2]; on 5.0 DISCONNECT 0x82 comes first.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("twice", version, cancellationToken: ct);

        await client.SendAsync(new ConnectPacket { ProtocolVersion = version, ClientId = "twice" }, ct);

        if (version == ProtocolVersion.V500)
        {
            var disconnect = await client.ExpectAsync<DisconnectPacket>(cancellationToken: ct);
            Assert.Equal(ReasonCode.ProtocolError, disconnect.ReasonCode);
        }

        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task An_empty_client_id_on_a_v311_persistent_session_is_rejected_with_0x02()
    {
        // [MQTT-3.1.3-8]: identifier rejected, then close.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.OpenAsync(ct);

        await client.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = "", CleanSession = false }, ct);

        await client.ExpectBytesAsync(Hex.Parse("20 02 00 02"), cancellationToken: ct);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task An_empty_client_id_on_v5_is_assigned_one()
    {
        // [MQTT-3.1.3-7]: the server assigns an identifier and returns it as Assigned Client Identifier [MQTT-3.2.2-16].
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("", ProtocolVersion.V500, cancellationToken: ct);

        Assert.False(string.IsNullOrEmpty(client.LastConnAck!.AssignedClientIdentifier));
        Assert.Contains(broker.Broker.GetClients(), c => c.ClientId == client.LastConnAck.AssignedClientIdentifier);
    }

    [Fact]
    public async Task A_too_long_client_id_is_refused_with_0x85()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumClientIdLength = 32, cancellationToken: ct);
        await using var client = await broker.OpenAsync(ct);

        await client.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = new string('x', 33) }, ct);

        Assert.Equal(ReasonCode.ClientIdentifierNotValid, (await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).ReasonCode);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task A_second_connection_with_the_same_client_id_takes_the_session_over()
    {
        // [MQTT-3.1.4-3]: the first connection gets DISCONNECT 0x8E (5.0) and is closed; the new one resumes the session.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var first = await broker.ConnectAsync("same", ProtocolVersion.V500, cleanSession: false,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, SessionExpiryInterval = 300 }, cancellationToken: ct);
        await first.SubscribeAsync("kept/#", QualityOfService.AtLeastOnce, cancellationToken: ct);

        await using var second = await broker.ConnectAsync("same", ProtocolVersion.V500, cleanSession: false, cancellationToken: ct);

        var disconnect = await first.ExpectAsync<DisconnectPacket>(cancellationToken: ct);
        Assert.Equal(ReasonCode.SessionTakenOver, disconnect.ReasonCode);
        await first.ExpectClosedAsync(cancellationToken: ct);
        Assert.True(second.LastConnAck!.SessionPresent);

        broker.Broker.Publish("kept/1", "still subscribed"u8.ToArray(), QualityOfService.AtLeastOnce);
        var publish = await second.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal("kept/1", publish.Topic);
    }

    [Fact]
    public async Task Connack_v5_announces_the_server_capabilities()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o =>
        {
            o.ReceiveMaximum = 50;
            o.TopicAliasMaximum = 7;
            o.MaximumPacketSize = 65536;
        }, cancellationToken: ct);
        await using var client = await broker.ConnectAsync("caps", ProtocolVersion.V500, cancellationToken: ct);

        var connack = client.LastConnAck!;
        Assert.Equal((ushort)50, connack.ReceiveMaximum);
        Assert.Equal((ushort)7, connack.TopicAliasMaximum);
        Assert.Equal(65536u, connack.MaximumPacketSize);
        Assert.True(connack.RetainAvailable);
        Assert.True(connack.WildcardSubscriptionAvailable);
        Assert.True(connack.SubscriptionIdentifiersAvailable);
        Assert.True(connack.SharedSubscriptionAvailable);
        Assert.Null(connack.MaximumQoS); // QoS 2 is supported, so Maximum QoS is absent [MQTT-3.2.2-9]
    }

    [Fact]
    public async Task A_v5_keep_alive_above_the_maximum_is_replaced_by_server_keep_alive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumKeepAlive = 30, cancellationToken: ct);
        await using var v5 = await broker.ConnectAsync("ka5", ProtocolVersion.V500,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, KeepAlive = 0 }, cancellationToken: ct);
        Assert.Equal((ushort)30, v5.LastConnAck!.ServerKeepAlive);

        // A 3.1.1 client cannot be told, so it is accepted as it asks (0 = no keep alive), unlike Mosquitto 2.1.
        await using var v3 = await broker.ConnectAsync("ka3", ProtocolVersion.V311,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, KeepAlive = 0 }, cancellationToken: ct);
        Assert.Equal(ReasonCode.Success, v3.LastConnAck!.ReasonCode);
    }

    [Fact]
    public async Task A_silent_client_is_disconnected_after_one_and_a_half_keep_alives()
    {
        // [MQTT-3.1.2-22]: keep alive 1 s, so the broker closes within about 1.5 s; v5 gets DISCONNECT 0x8D.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var client = await broker.ConnectAsync("sleepy", ProtocolVersion.V500,
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, KeepAlive = 1 }, cancellationToken: ct);
        var started = DateTime.UtcNow;

        var disconnect = await client.ExpectAsync<DisconnectPacket>(TimeSpan.FromSeconds(5), ct);

        Assert.Equal(ReasonCode.KeepAliveTimeout, disconnect.ReasonCode);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 1.4, 4);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    [Fact]
    public async Task A_connection_that_never_sends_connect_is_closed_after_the_connect_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.ConnectTimeout = TimeSpan.FromMilliseconds(500), cancellationToken: ct);
        await using var client = await broker.OpenAsync(ct);

        await client.ExpectClosedAsync(TimeSpan.FromSeconds(5), ct);
    }

    [Fact]
    public async Task Response_information_is_returned_only_when_requested()
    {
        // [MQTT-3.1.2-28]: the server may return Response Information when the client sets Request Response Information.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.ResponseInformation = "responses/", cancellationToken: ct);
        await using var asking = await broker.ConnectAsync("asking",
            customize: c => new ConnectPacket { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, RequestResponseInformation = true }, cancellationToken: ct);
        await using var silent = await broker.ConnectAsync("silent", cancellationToken: ct);

        Assert.Equal("responses/", asking.LastConnAck!.ResponseInformation);
        Assert.Null(silent.LastConnAck!.ResponseInformation);
    }
}
