using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Client;

/// <summary>
/// Packets that MQTT cannot encode (a UTF-8 string over 65,535 bytes, §1.5.4) are refused to the caller
/// before anything is queued; the connection they would have broken stays usable.
/// </summary>
public sealed class EncodingLimitTests
{
    private static readonly string TooLong = new('x', ushort.MaxValue + 1);

    [Fact(Timeout = 60_000)]
    public async Task A_publish_over_the_268435455_byte_Remaining_Length_limit_throws_before_anything_is_queued()
    {
        await using var client = new MqttClient(ClientTestExtensions.Options(new Uri("mqtt://127.0.0.1:1"), "huge"));
        // 5 bytes of topic and packet id on top: the Remaining Length exceeds 268,435,455 (§2.1.4).
        var payload = GC.AllocateUninitializedArray<byte>(268_435_455);
        var e = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await client.PublishAsync(new MqttMessage { Topic = "big", Payload = payload, QoS = QualityOfService.AtLeastOnce }, TestContext.Current.CancellationToken));
        Assert.Contains("268,435,455", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.PendingPublishCount);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task A_publish_with_a_string_field_over_65535_bytes_throws_to_the_caller_and_the_connection_keeps_working(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "limits"), ct);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);
        await client.SubscribeAsync("limits/#", QualityOfService.AtLeastOnce, ct);

        // QoS 0 would complete as soon as queued: only a check made before queuing can throw here.
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync("limits/" + TooLong, "x", cancellationToken: ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync(
            new MqttMessage { Topic = "limits/a", Payload = "x"u8.ToArray(), ContentType = TooLong }, ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync(
            new MqttMessage { Topic = "limits/a", Payload = "x"u8.ToArray(), UserProperties = [new UserProperty("k", TooLong)] }, ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync(
            new MqttMessage { Topic = "limits/a", Payload = "x"u8.ToArray(), CorrelationData = new byte[ushort.MaxValue + 1] }, ct));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync(
            [new TopicSubscription("limits/a", QualityOfService.AtMostOnce)], null, [new UserProperty(TooLong, "v")], ct));
        await Assert.ThrowsAsync<ArgumentException>(() => client.UnsubscribeAsync(["limits/" + TooLong], null, ct));
        Assert.Equal(0, client.PendingPublishCount);

        // Nothing reached the writer: the same connection still carries a QoS 1 round trip.
        var result = await client.PublishAsync("limits/ok", "fine", QualityOfService.AtLeastOnce, cancellationToken: ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.True(result.IsSuccess);
        Assert.Equal("fine", (await client.ExpectMessageAsync()).PayloadAsString());
        Assert.Equal(MqttClientState.Connected, client.State);
        Assert.False(disconnected.Task.IsCompleted);
    }
}
