using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Client;

/// <summary>Topic aliases the broker sends must stay within the Topic Alias Maximum the client announced.</summary>
public sealed class IncomingTopicAliasTests
{
    [Fact(Timeout = 60_000)]
    public async Task An_alias_above_the_announced_Topic_Alias_Maximum_ends_the_connection_with_0x94()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        var options = ClientTestExtensions.Options(broker.Uri, "aliases");
        options.TopicAliasMaximum = 2;
        options.Reconnect.Enabled = false;
        await using var client = new MqttClient(options);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);
        var connecting = client.ConnectAsync(ct);
        await broker.AcceptAsync(ct);
        Assert.Equal((ushort)2, (await broker.ExpectAsync<ConnectPacket>(ct)).TopicAliasMaximum);
        await broker.SendAsync(new ConnAckPacket(), ct);
        await connecting;

        // Within the maximum: alias 2 is defined, then used with an empty topic.
        await broker.SendAsync(new PublishPacket { Topic = "alias/a", TopicAlias = 2, Payload = "1"u8.ToArray() }, ct);
        await broker.SendAsync(new PublishPacket { Topic = "", TopicAlias = 2, Payload = "2"u8.ToArray() }, ct);
        Assert.Equal(["alias/a", "alias/a"], (await client.ExpectMessagesAsync(2)).Select(m => m.Topic));

        await broker.SendAsync(new PublishPacket { Topic = "alias/b", TopicAlias = 3, Payload = "3"u8.ToArray() }, ct);

        // [MQTT-3.3.2-10]: the broker may not exceed it; the client answers DISCONNECT Topic Alias Invalid (§3.3.2.3.4).
        Assert.Equal(ReasonCode.TopicAliasInvalid, (await broker.ExpectAsync<DisconnectPacket>(ct)).ReasonCode);
        Assert.Equal(ReasonCode.TopicAliasInvalid, (await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10), ct)).ReasonCode);
        await client.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100));
    }
}
