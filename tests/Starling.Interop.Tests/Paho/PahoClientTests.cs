using System.Text;
using Starling.Interop.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Interop.Tests.Paho;

/// <summary>
/// Eclipse paho-mqtt 1.6.1 (Debian's python3-paho-mqtt) against Starling on MQTT 3.1.1 and 5.0, through the
/// scripts in python/, which print one line per event.
/// </summary>
public sealed class PahoClientTests
{
    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_qos2_round_trip_between_paho_clients_delivers_each_message_once(string version)
    {
        // 4.3.3: PUBLISH, PUBREC, PUBREL, PUBCOMP on both legs; paho hands a QoS 2 message over on PUBREL, and reports
        // a QoS 2 publish done on PUBCOMP [MQTT-4.3.3-1], [MQTT-4.3.3-2] (3.1.1 numbering).
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        var topic = $"interop/paho/{version}/qos2";
        await using var sub = InteropClients.StartPaho("paho_sub.py", broker.Port,
            ["--version", version, "--client-id", $"paho-sub-{version}", "--topic", topic, "--qos", "2", "--count", "2"]);
        await sub.WaitForLineAsync(line => line.StartsWith("SUBSCRIBED", StringComparison.Ordinal), InteropClients.Timeout, ct);

        await using var pub = InteropClients.StartPaho("paho_pub.py", broker.Port,
            ["--version", version, "--client-id", $"paho-pub-{version}", "--topic", topic, "--qos", "2", "--payload", "first", "--payload", "zweite ✓"]);
        await pub.ExpectSuccessAsync(ct);
        await sub.ExpectSuccessAsync(ct);

        Assert.Equal(["CONNECTED session_present=0 rc=0", "PUBLISHED 1", "PUBLISHED 2", "DONE"], pub.StandardOutput);
        Assert.Equal(
            ["CONNECTED session_present=0 rc=0", "SUBSCRIBED 2", $"MESSAGE {topic} qos=2 retain=0 first", $"MESSAGE {topic} qos=2 retain=0 zweite ✓", "DONE"],
            sub.StandardOutput);
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_retained_message_from_paho_reaches_a_later_paho_subscriber_with_retain_set(string version)
    {
        // [MQTT-3.3.1-5] stored; sent to the new subscription ([MQTT-3.3.1-6] of 3.1.1, [MQTT-3.3.1-9] of 5.0) with
        // RETAIN 1 ([MQTT-3.3.1-8] of 3.1.1); published at QoS 2, delivered at the subscription's QoS 1.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        var topic = $"interop/paho/{version}/retained";
        await using (var pub = InteropClients.StartPaho("paho_pub.py", broker.Port,
            ["--version", version, "--client-id", $"paho-keep-{version}", "--topic", topic, "--qos", "2", "--retain", "--payload", "kept"]))
        {
            await pub.ExpectSuccessAsync(ct);
        }

        await using var sub = InteropClients.StartPaho("paho_sub.py", broker.Port,
            ["--version", version, "--client-id", $"paho-late-{version}", "--topic", "interop/paho/+/retained", "--qos", "1", "--count", "1"]);
        await sub.ExpectSuccessAsync(ct);

        Assert.Equal(["CONNECTED session_present=0 rc=0", "SUBSCRIBED 1", $"MESSAGE {topic} qos=1 retain=1 kept", "DONE"], sub.StandardOutput);
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task The_will_of_a_paho_client_killed_with_sigkill_is_published(string version)
    {
        // [MQTT-3.1.2-8] (3.1.1): the connection closed without DISCONNECT, so the will goes out; 5.0 3.1.2.5, with
        // the will's user property forwarded ([MQTT-3.3.2-17]).
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        var protocol = version == "5" ? ProtocolVersion.V500 : ProtocolVersion.V311;
        var topic = $"interop/paho/{version}/will";
        await using var watcher = await broker.ConnectAsync($"watcher-{version}", protocol, cancellationToken: ct);
        Assert.Equal([ReasonCode.GrantedQoS1], await watcher.SubscribeAsync(topic, QualityOfService.AtLeastOnce, cancellationToken: ct));

        await using var doomed = InteropClients.StartPaho("paho_will.py", broker.Port,
            ["--version", version, "--client-id", $"paho-will-{version}", "--will-topic", topic, "--will-payload", "gone ✝", "--will-qos", "1",
                "--will-user-property", "origin", "paho"]);
        await doomed.WaitForLineAsync(line => line == "CONNECTED session_present=0 rc=0", InteropClients.Timeout, ct);
        doomed.Kill();
        Assert.Equal(137, await doomed.WaitForExitAsync(InteropClients.Timeout, ct)); // 128 + SIGKILL

        var will = await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.Equal(topic, will.Topic);
        Assert.Equal("gone ✝", Encoding.UTF8.GetString(will.Payload.Span));
        Assert.Equal(QualityOfService.AtLeastOnce, will.QoS);
        Assert.False(will.Retain);
        UserProperty[] userProperties = protocol == ProtocolVersion.V500 ? [new("origin", "paho")] : [];
        Assert.Equal(userProperties, will.UserProperties);
        await watcher.SendAsync(new AckPacket(PacketType.PubAck, will.PacketId), ct);
    }

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task A_persistent_paho_session_receives_the_qos1_messages_published_while_it_was_offline(string version)
    {
        // 3.1.1: Clean Session 0 resumes the session [MQTT-3.1.2-4], which stored the QoS 1 messages matching its
        // subscriptions while disconnected [MQTT-3.1.2-5], with Session Present 1 [MQTT-3.2.2-2]. 5.0: Clean Start 0
        // and a Session Expiry Interval [MQTT-3.1.2-5], Session Present 1 [MQTT-3.2.2-3].
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        var topic = $"interop/paho/{version}/persistent";
        var clientId = $"paho-persistent-{version}";
        await using (var first = InteropClients.StartPaho("paho_sub.py", broker.Port,
            ["--version", version, "--client-id", clientId, "--persistent", "--topic", topic, "--qos", "1", "--count", "0"]))
        {
            await first.ExpectSuccessAsync(ct);
            Assert.Equal(["CONNECTED session_present=0 rc=0", "SUBSCRIBED 1", "DONE"], first.StandardOutput);
        }

        await broker.WaitForDisconnectionAsync(clientId, ct);
        await using (var pub = InteropClients.StartPaho("paho_pub.py", broker.Port,
            ["--version", version, "--client-id", $"paho-offline-pub-{version}", "--topic", topic, "--qos", "1", "--payload", "m1", "--payload", "m2", "--payload", "m3"]))
        {
            await pub.ExpectSuccessAsync(ct);
        }

        await using var second = InteropClients.StartPaho("paho_sub.py", broker.Port,
            ["--version", version, "--client-id", clientId, "--persistent", "--no-subscribe", "--count", "3"]);
        await second.ExpectSuccessAsync(ct);

        Assert.Equal(
            ["CONNECTED session_present=1 rc=0", $"MESSAGE {topic} qos=1 retain=0 m1", $"MESSAGE {topic} qos=1 retain=0 m2", $"MESSAGE {topic} qos=1 retain=0 m3", "DONE"],
            second.StandardOutput);
    }
}
