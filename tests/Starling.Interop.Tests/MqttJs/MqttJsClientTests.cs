using System.Text;
using System.Text.Json;
using Starling.Broker;
using Starling.Interop.Tests.Support;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Interop.Tests.MqttJs;

/// <summary>
/// MQTT.js 5.16.0 under node against Starling on MQTT 5.0, through the scripts in js/ (subscribe.js, publish.js),
/// which print one line per event.
/// </summary>
public sealed class MqttJsClientTests
{
    [Fact]
    public async Task Topic_aliases_set_and_reused_by_mqttjs_are_resolved_by_the_broker()
    {
        // 3.3.2.3.4: a PUBLISH with a topic and an alias sets the mapping, one with an empty topic uses it, a new topic
        // on the same alias replaces it; the server accepts aliases up to its Topic Alias Maximum [MQTT-3.3.2-11] and
        // sends none to a subscriber that allowed none [MQTT-3.3.2-10].
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.TopicAliasMaximum = 5, cancellationToken: ct);
        await using var watcher = await broker.ConnectAsync("alias-watcher", ProtocolVersion.V500, cancellationToken: ct);
        Assert.Equal([ReasonCode.GrantedQoS0], await watcher.SubscribeAsync("interop/js/alias/#", cancellationToken: ct));

        object[] messages =
        [
            new { topic = "interop/js/alias/a", payload = "1", qos = 1, properties = new { topicAlias = 3 } },
            new { topic = "", payload = "2", qos = 1, properties = new { topicAlias = 3 } },
            new { topic = "interop/js/alias/b", payload = "3", qos = 1, properties = new { topicAlias = 3 } },
            new { topic = "", payload = "4", qos = 1, properties = new { topicAlias = 3 } },
        ];
        await using var pub = InteropClients.StartMqttJs("publish.js", broker.Port, ["--client-id", "js-alias", "--messages", JsonSerializer.Serialize(messages)]);
        await pub.ExpectSuccessAsync(ct);
        Assert.Equal(["CONNECTED session_present=0 topic_alias_maximum=5", "PUBLISHED 1", "PUBLISHED 2", "PUBLISHED 3", "PUBLISHED 4", "DONE"],
            pub.StandardOutput);

        List<(string Topic, string Payload, ushort Alias)> received = [];
        for (var i = 0; i < 4; i++)
        {
            var publish = await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct);
            received.Add((publish.Topic, Encoding.UTF8.GetString(publish.Payload.Span), publish.TopicAlias));
        }

        Assert.Equal(
            [("interop/js/alias/a", "1", (ushort)0), ("interop/js/alias/a", "2", (ushort)0), ("interop/js/alias/b", "3", (ushort)0), ("interop/js/alias/b", "4", (ushort)0)],
            received);
    }

    [Fact]
    public async Task Topic_aliases_the_broker_assigns_towards_an_mqttjs_subscriber_are_resolved_by_it()
    {
        // The subscriber allows 2 aliases; the broker never exceeds that [MQTT-3.3.2-10]. Starling gives each new
        // topic the next alias while any are left (topic and alias on first use, alias alone after) and sends later
        // topics in full; MQTT.js must map every alias back to the right topic.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var sub = InteropClients.StartMqttJs("subscribe.js", broker.Port,
            ["--client-id", "js-alias-sub", "--filter", "interop/js/outbound/#", "--count", "6", "--topic-alias-maximum", "2"]);
        await sub.WaitForLineAsync(line => line.StartsWith("SUBACK", StringComparison.Ordinal), InteropClients.Timeout, ct);

        string[] topics = ["a", "b", "a", "c", "b", "a"];
        for (var i = 0; i < topics.Length; i++)
        {
            Assert.Equal(1, broker.Broker.Publish($"interop/js/outbound/{topics[i]}", Encoding.UTF8.GetBytes($"{i + 1}")));
        }

        await sub.ExpectSuccessAsync(ct);
        Assert.Equal(
            [
                "CONNECTED session_present=0 topic_alias_maximum=64", "SUBACK 0",
                "MESSAGE interop/js/outbound/a 1 {} alias=1",
                "MESSAGE interop/js/outbound/b 2 {} alias=2",
                "MESSAGE interop/js/outbound/a 3 {} alias=1",
                "MESSAGE interop/js/outbound/c 4 {} alias=0",
                "MESSAGE interop/js/outbound/b 5 {} alias=2",
                "MESSAGE interop/js/outbound/a 6 {} alias=1",
                "DONE",
            ],
            sub.StandardOutput);
    }

    [Fact]
    public async Task User_properties_round_trip_between_mqttjs_clients()
    {
        // [MQTT-3.3.2-17], [MQTT-3.3.2-18]: forwarded unaltered and in order; MQTT.js sends an array value as one
        // property per element under the same name and gathers repeated names back into an array.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        const string Topic = "interop/js/properties";
        await using var sub = InteropClients.StartMqttJs("subscribe.js", broker.Port, ["--client-id", "js-props-sub", "--filter", Topic, "--qos", "1", "--count", "1"]);
        await sub.WaitForLineAsync(line => line.StartsWith("SUBACK", StringComparison.Ordinal), InteropClients.Timeout, ct);

        var userProperties = new Dictionary<string, object> { ["region"] = "eu-west", ["tags"] = new[] { "a", "b" }, ["émoji"] = "✓" };
        object[] messages = [new { topic = Topic, payload = "hello", qos = 1, properties = new { userProperties } }];
        await using var pub = InteropClients.StartMqttJs("publish.js", broker.Port, ["--client-id", "js-props-pub", "--messages", JsonSerializer.Serialize(messages)]);
        await pub.ExpectSuccessAsync(ct);
        await sub.ExpectSuccessAsync(ct);

        Assert.Equal(
            ["CONNECTED session_present=0 topic_alias_maximum=64", "SUBACK 1", $$"""MESSAGE {{Topic}} hello {"region":"eu-west","tags":["a","b"],"émoji":"✓"}""", "DONE"],
            sub.StandardOutput);
    }

    [Fact]
    public async Task A_shared_subscription_splits_the_messages_between_two_mqttjs_subscribers_without_loss_or_duplicates()
    {
        // 4.8.2: each message matching $share/g/... goes to exactly one session of the group; round robin over two
        // connected members alternates, so each gets half.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.SharedSubscriptionStrategy = SharedSubscriptionStrategy.RoundRobin, cancellationToken: ct);
        const string Filter = "$share/g/interop/js/shared/#";
        const string EndTopic = "interop/js/shared-end";
        await using var first = InteropClients.StartMqttJs("subscribe.js", broker.Port, ["--client-id", "js-shared-1", "--filter", Filter, "--qos", "1", "--end-topic", EndTopic]);
        await using var second = InteropClients.StartMqttJs("subscribe.js", broker.Port, ["--client-id", "js-shared-2", "--filter", Filter, "--qos", "1", "--end-topic", EndTopic]);
        await first.WaitForLineAsync(line => line.StartsWith("SUBACK", StringComparison.Ordinal), InteropClients.Timeout, ct);
        await second.WaitForLineAsync(line => line.StartsWith("SUBACK", StringComparison.Ordinal), InteropClients.Timeout, ct);

        // One publisher, each message acknowledged before the next; the end message, on a topic both subscribe to
        // without sharing, comes after all of them in each session.
        var payloads = Enumerable.Range(1, 20).Select(i => $"m{i:00}").ToList();
        object[] messages =
        [
            .. payloads.Select((p, i) => new { topic = $"interop/js/shared/{i % 3}", payload = p, qos = 1 }),
            new { topic = EndTopic, payload = "end", qos = 1 },
        ];
        await using var pub = InteropClients.StartMqttJs("publish.js", broker.Port, ["--client-id", "js-shared-pub", "--messages", JsonSerializer.Serialize(messages)]);
        await pub.ExpectSuccessAsync(ct);
        await first.ExpectSuccessAsync(ct);
        await second.ExpectSuccessAsync(ct);

        Assert.Equal(["SUBACK 1,1", "END", "DONE"], first.StandardOutput.Where(l => !l.StartsWith("MESSAGE", StringComparison.Ordinal) && !l.StartsWith("CONNECTED", StringComparison.Ordinal)));
        Assert.Equal(["SUBACK 1,1", "END", "DONE"], second.StandardOutput.Where(l => !l.StartsWith("MESSAGE", StringComparison.Ordinal) && !l.StartsWith("CONNECTED", StringComparison.Ordinal)));
        var firstShare = Payloads(first);
        var secondShare = Payloads(second);
        Assert.Equal(10, firstShare.Count);
        Assert.Equal(10, secondShare.Count);
        Assert.Equal(payloads, firstShare.Concat(secondShare).Order(StringComparer.Ordinal));
    }

    /// <summary>The payloads of the MESSAGE lines (<c>MESSAGE topic payload {}</c>), in arrival order.</summary>
    private static List<string> Payloads(ExternalProcess subscriber) =>
        [.. subscriber.StandardOutput.Where(l => l.StartsWith("MESSAGE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2])];
}
