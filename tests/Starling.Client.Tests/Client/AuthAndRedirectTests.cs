using System.Text;
using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Client;

/// <summary>
/// Enhanced authentication, Server Reference and an oversized packet, against a scripted broker: mosquitto needs a
/// plugin for AUTH, neither broker here redirects clients, and both respect the client's Maximum Packet Size.
/// </summary>
public sealed class AuthAndRedirectTests
{
    [Fact(Timeout = 60_000)]
    public async Task The_authentication_handler_answers_each_AUTH_challenge_until_CONNACK()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        var challenges = new List<string>();
        var options = ClientTestExtensions.Options(broker.Uri, "auth");
        options.AuthenticationMethod = "SCRAM-TEST";
        options.AuthenticationData = "client-first"u8.ToArray();
        options.AuthenticationHandler = (challenge, _) =>
        {
            challenges.Add($"{challenge.Method}:{Encoding.UTF8.GetString(challenge.Data!)}");
            return ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes("proof-" + challenges.Count));
        };
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync(ct);

        await broker.AcceptAsync(ct);
        var connect = await broker.ExpectAsync<ConnectPacket>(ct);
        Assert.Equal("SCRAM-TEST", connect.AuthenticationMethod);
        Assert.Equal("client-first", Encoding.UTF8.GetString(connect.AuthenticationData!));
        for (var round = 1; round <= 2; round++)
        {
            await broker.SendAsync(new AuthPacket
            {
                ReasonCode = ReasonCode.ContinueAuthentication,
                AuthenticationMethod = "SCRAM-TEST",
                AuthenticationData = Encoding.UTF8.GetBytes($"challenge-{round}"),
            }, ct);
            var answer = await broker.ExpectAsync<AuthPacket>(ct);
            // [MQTT-4.12.0-2]/[MQTT-4.12.0-3]: the client answers with Continue Authentication and the same method.
            Assert.Equal(ReasonCode.ContinueAuthentication, answer.ReasonCode);
            Assert.Equal("SCRAM-TEST", answer.AuthenticationMethod);
            Assert.Equal($"proof-{round}", Encoding.UTF8.GetString(answer.AuthenticationData!));
        }

        await broker.SendAsync(new ConnAckPacket { ReasonCode = ReasonCode.Success, AuthenticationMethod = "SCRAM-TEST" }, ct);

        await connecting;
        Assert.Equal(["SCRAM-TEST:challenge-1", "SCRAM-TEST:challenge-2"], challenges);
        Assert.True(client.IsConnected);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_CONNACK_redirect_is_reported_with_its_reason_code_and_Server_Reference()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient(ClientTestExtensions.Options(broker.Uri, "moved"));
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);

        await broker.SendAsync(new ConnAckPacket { ReasonCode = ReasonCode.UseAnotherServer, ServerReference = "other.example:1883" }, ct);

        var error = await Assert.ThrowsAsync<MqttClientException>(() => connecting);
        Assert.Equal(ReasonCode.UseAnotherServer, error.ReasonCode);
        Assert.Equal("other.example:1883", error.ServerReference);
        Assert.Contains("use server other.example:1883", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_DISCONNECT_with_Server_Moved_is_reported_in_the_Disconnected_event()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        var options = ClientTestExtensions.Options(broker.Uri, "moved-later");
        options.Reconnect.Enabled = false;
        await using var client = new MqttClient(options);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        await broker.ExpectAsync<ConnectPacket>(ct);
        await broker.SendAsync(new ConnAckPacket { ReasonCode = ReasonCode.Success }, ct);
        await connecting;

        await broker.SendAsync(new DisconnectPacket { ReasonCode = ReasonCode.ServerMoved, ServerReference = "new.example:8883", ReasonString = "maintenance" }, ct);

        var e = await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(ReasonCode.ServerMoved, e.ReasonCode);
        Assert.Equal("new.example:8883", e.ServerReference);
        Assert.Contains("maintenance", e.Reason, StringComparison.Ordinal);
        Assert.False(e.WillReconnect);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_packet_above_the_announced_Maximum_Packet_Size_ends_the_connection_with_0x95()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        var options = ClientTestExtensions.Options(broker.Uri, "small");
        options.MaximumPacketSize = 100;
        options.Reconnect.Enabled = false;
        await using var client = new MqttClient(options);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        Assert.Equal(100u, (await broker.ExpectAsync<ConnectPacket>(ct)).MaximumPacketSize);
        await broker.SendAsync(new ConnAckPacket { ReasonCode = ReasonCode.Success }, ct);
        await connecting;

        await broker.SendAsync(new PublishPacket { Topic = "big", Payload = new byte[200] }, ct);

        Assert.Equal(ReasonCode.PacketTooLarge, (await broker.ExpectAsync<DisconnectPacket>(ct)).ReasonCode);
        Assert.Equal(ReasonCode.PacketTooLarge, (await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10), ct)).ReasonCode);
        await client.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100));
    }
}
