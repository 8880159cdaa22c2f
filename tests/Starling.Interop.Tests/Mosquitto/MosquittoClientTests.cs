using System.Text;
using Starling.Interop.Tests.Support;
using Starling.TestKit;

namespace Starling.Interop.Tests.Mosquitto;

/// <summary>
/// Debian's mosquitto_pub and mosquitto_sub (2.0.11, libmosquitto) against Starling, on MQTT 3.1, 3.1.1 and 5.0:
/// clients no one here wrote, so the broker is checked against someone else's reading of the protocol.
/// </summary>
public sealed class MosquittoClientTests
{
    [Theory]
    [InlineData("mqttv31", 0)]
    [InlineData("mqttv31", 1)]
    [InlineData("mqttv31", 2)]
    [InlineData("mqttv311", 0)]
    [InlineData("mqttv311", 1)]
    [InlineData("mqttv311", 2)]
    [InlineData("mqttv5", 0)]
    [InlineData("mqttv5", 1)]
    [InlineData("mqttv5", 2)]
    public async Task Messages_round_trip_from_mosquitto_pub_to_mosquitto_sub_at_each_qos(string version, int qos)
    {
        // Publisher and subscriber at the same QoS, so each message arrives at that QoS ([MQTT-3.8.4-6] of 3.1.1,
        // [MQTT-3.8.4-8] of 5.0) and goes through that QoS's flow on both sides (4.3 of both specifications).
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        var topic = $"interop/mosquitto/{version}/qos{qos}";
        var subscriberId = $"sub-{version}-q{qos}";
        string[] payloads = ["first", "two words", "drei ✓"];
        await using var sub = InteropClients.StartMosquittoSub(broker.Port,
            ["-V", version, "-i", subscriberId, "-t", topic, "-q", $"{qos}", "-C", "3", "-W", "10", "-v", "-d"]);
        await broker.WaitForSubscriptionAsync(subscriberId, topic, ct);

        // -l publishes each line of standard input as one message, in order, on one connection.
        await using var pub = InteropClients.StartMosquittoPub(broker.Port,
            ["-V", version, "-i", $"pub-{version}-q{qos}", "-t", topic, "-q", $"{qos}", "-l", "-d"], redirectInput: true);
        foreach (var payload in payloads)
        {
            await pub.WriteLineAsync(payload, ct);
        }

        pub.CloseInput();
        await pub.ExpectSuccessAsync(ct);
        await sub.ExpectSuccessAsync(ct);

        Assert.Equal(payloads.Select(p => $"{topic} {p}"), MessageLines(sub));
        Assert.Equal(3, Count(sub, $"received PUBLISH (d0, q{qos}, r0, "));
        switch (qos)
        {
            case 1:
                Assert.Equal(3, Count(pub, "received PUBACK"));
                Assert.Equal(3, Count(sub, "sending PUBACK"));
                break;
            case 2:
                Assert.Equal(3, Count(pub, "received PUBREC"));
                Assert.Equal(3, Count(pub, "received PUBCOMP"));
                Assert.Equal(3, Count(sub, "received PUBREL"));
                Assert.Equal(3, Count(sub, "sending PUBCOMP"));
                break;
        }
    }

    [Theory]
    [InlineData("mqttv31")]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task A_retained_message_from_mosquitto_pub_reaches_a_later_mosquitto_sub_until_an_empty_one_deletes_it(string version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        var topic = $"interop/mosquitto/{version}/retained";
        var marker = $"interop/mosquitto/{version}/marker";

        // [MQTT-3.3.1-5]: stored.
        await using (var pub = InteropClients.StartMosquittoPub(broker.Port, ["-V", version, "-i", $"keep-{version}", "-t", topic, "-q", "1", "-r", "-m", "kept"]))
        {
            await pub.ExpectSuccessAsync(ct);
        }

        var stored = Assert.Single(broker.Broker.GetRetainedMessages());
        Assert.Equal((topic, "kept"), (stored.Topic, Encoding.UTF8.GetString(stored.Payload.Span)));

        // Sent to a new subscription [MQTT-3.3.1-6] (3.1.1; 5.0: Retain Handling 0, [MQTT-3.3.1-9]) with RETAIN 1
        // ([MQTT-3.3.1-8] of 3.1.1; 3.3.1.3 of 5.0).
        await using (var sub = InteropClients.StartMosquittoSub(broker.Port,
            ["-V", version, "-i", $"late-{version}", "-t", topic, "-q", "1", "-C", "1", "-W", "10", "-F", "%r %q %t %p"]))
        {
            await sub.ExpectSuccessAsync(ct);
            Assert.Equal([$"1 1 {topic} kept"], sub.StandardOutput);
        }

        // An empty retained message removes it and is not stored itself ([MQTT-3.3.1-10], [MQTT-3.3.1-11] of 3.1.1;
        // [MQTT-3.3.1-6], [MQTT-3.3.1-7] of 5.0).
        await using (var pub = InteropClients.StartMosquittoPub(broker.Port, ["-V", version, "-i", $"clear-{version}", "-t", topic, "-q", "1", "-r", "-n"]))
        {
            await pub.ExpectSuccessAsync(ct);
        }

        Assert.Empty(broker.Broker.GetRetainedMessages());

        // A later subscriber gets nothing for the topic. It subscribes to the topic and then to a marker topic that
        // has a retained message, in one SUBSCRIBE, which is handled as that sequence of SUBSCRIBEs ([MQTT-3.8.4-4]
        // of 3.1.1, [MQTT-3.8.4-5] of 5.0): had the topic kept a retained message, it would come first.
        broker.Broker.Publish(marker, "end"u8.ToArray(), retain: true);
        await using (var sub = InteropClients.StartMosquittoSub(broker.Port,
            ["-V", version, "-i", $"later-{version}", "-t", topic, "-t", marker, "-q", "1", "-C", "1", "-W", "10", "-F", "%r %t %p"]))
        {
            await sub.ExpectSuccessAsync(ct);
            Assert.Equal([$"1 {marker} end"], sub.StandardOutput);
        }
    }

    [Fact]
    public async Task User_properties_from_mosquitto_pub_reach_mosquitto_sub_unaltered_and_in_order_on_mqttv5()
    {
        // [MQTT-3.3.2-17], [MQTT-3.3.2-18]: all user properties forwarded unaltered, in order, a repeated name
        // included; content type and response topic are forwarded unaltered too (3.3.2.3.9, 3.3.2.3.5 of 5.0).
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        const string Topic = "interop/mosquitto/properties";
        await using var sub = InteropClients.StartMosquittoSub(broker.Port,
            ["-V", "mqttv5", "-i", "props-sub", "-t", Topic, "-q", "1", "-C", "1", "-W", "10", "-F", "%t|%p|%P|%C|%R"]);
        await broker.WaitForSubscriptionAsync("props-sub", Topic, ct);

        await using var pub = InteropClients.StartMosquittoPub(broker.Port,
            ["-V", "mqttv5", "-i", "props-pub", "-t", Topic, "-q", "1", "-m", "hello there",
                "-D", "publish", "user-property", "k", "v1",
                "-D", "publish", "user-property", "region", "eu-west",
                "-D", "publish", "user-property", "k", "v2",
                "-D", "publish", "content-type", "text/plain",
                "-D", "publish", "response-topic", "interop/mosquitto/reply"]);
        await pub.ExpectSuccessAsync(ct);
        await sub.ExpectSuccessAsync(ct);

        Assert.Equal([$"{Topic}|hello there|k:v1 region:eu-west k:v2|text/plain|interop/mosquitto/reply"], sub.StandardOutput);
    }

    /// <summary>mosquitto_sub's message lines, without the -d debug lines.</summary>
    private static List<string> MessageLines(ExternalProcess sub) =>
        [.. sub.StandardOutput.Where(line => !line.StartsWith("Client ", StringComparison.Ordinal) && !line.StartsWith("Subscribed (", StringComparison.Ordinal))];

    /// <summary>How many -d debug lines mention <paramref name="text"/>.</summary>
    private static int Count(ExternalProcess process, string text) =>
        process.StandardOutput.Count(line => line.StartsWith("Client ", StringComparison.Ordinal) && line.Contains(text, StringComparison.Ordinal));
}
