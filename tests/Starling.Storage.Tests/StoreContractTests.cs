using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Storage.Tests;

/// <summary>The store contract: what is written comes back from <see cref="IBrokerStore.Load"/> after a reopen, in every implementation.</summary>
public sealed class StoreContractTests : IDisposable
{
    private readonly StoreKinds _stores = new();

    public void Dispose() => _stores.Dispose();

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public void A_written_session_with_subscriptions_deliveries_inbound_ids_and_will_comes_back_after_a_reopen(string kind)
    {
        var disconnectedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var will = new PublishPacket { Topic = "wills/dev1", Payload = "gone"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, Retain = true, ContentType = "text/plain" };
        var message = FullMessage();
        using (var store = _stores.Open(kind))
        {
            store.Load();
            store.Write(
            [
                StoreChange.SessionSaved(new StoredSession(7, "dev1", 3600, disconnectedAt, will, disconnectedAt.AddSeconds(30))),
                StoreChange.SubscriptionSaved(new StoredSubscription(7, new TopicSubscription("a/+", QualityOfService.ExactlyOnce)
                {
                    NoLocal = true,
                    RetainAsPublished = true,
                    RetainHandling = RetainHandling.SendAtSubscribeIfNew,
                }, 42)),
                StoreChange.SubscriptionSaved(new StoredSubscription(7, new TopicSubscription("$share/g/b/#", QualityOfService.AtLeastOnce), 0)),
                StoreChange.MessageAdded(new StoredMessage(100, message, disconnectedAt.AddHours(1), "publisher-1")),
                StoreChange.DeliveryAdded(500, 7, 100, QualityOfService.AtLeastOnce, retain: false, [42, 43], 0, DeliveryState.Queued),
                StoreChange.DeliveryAdded(501, 7, 100, QualityOfService.ExactlyOnce, retain: true, null, 9, DeliveryState.PublishSent),
                StoreChange.DeliveryUpdated(501, 9, DeliveryState.ReleaseSent),
                StoreChange.InboundAdded(7, 77),
                StoreChange.InboundAdded(7, 78),
                StoreChange.InboundDeleted(7, 78),
                StoreChange.RetainedSet("a/b", 100),
            ]);
        }

        using var reopened = _stores.Open(kind);
        var snapshot = reopened.Load();

        var session = Assert.Single(snapshot.Sessions);
        Assert.Equal((7L, "dev1", 3600u, disconnectedAt, disconnectedAt.AddSeconds(30)), (session.Id, session.ClientId, session.ExpiryInterval, session.DisconnectedAt!.Value, session.WillDueAt!.Value));
        Assert.Equal(("wills/dev1", "gone", QualityOfService.AtLeastOnce, true, "text/plain"),
            (session.Will!.Topic, System.Text.Encoding.UTF8.GetString(session.Will.Payload.Span), session.Will.QoS, session.Will.Retain, session.Will.ContentType));

        Assert.Equal(2, snapshot.Subscriptions.Count);
        var plus = snapshot.Subscriptions.Single(s => s.Options.TopicFilter == "a/+");
        Assert.Equal((QualityOfService.ExactlyOnce, true, true, RetainHandling.SendAtSubscribeIfNew, 42),
            (plus.Options.MaximumQoS, plus.Options.NoLocal, plus.Options.RetainAsPublished, plus.Options.RetainHandling, plus.SubscriptionId));
        Assert.Contains(snapshot.Subscriptions, s => s.Options.TopicFilter == "$share/g/b/#" && s.SessionId == 7);

        var stored = Assert.Single(snapshot.Messages);
        Assert.Equal((100L, "publisher-1", disconnectedAt.AddHours(1)), (stored.Id, stored.PublisherClientId, stored.ExpiresAt!.Value));
        AssertSameMessage(message, stored.Packet);

        var deliveries = snapshot.Deliveries.OrderBy(d => d.Id).ToList();
        Assert.Equal(2, deliveries.Count);
        Assert.Equal((7L, 100L, QualityOfService.AtLeastOnce, false, 0, DeliveryState.Queued), (deliveries[0].SessionId, deliveries[0].MessageId, deliveries[0].QoS, deliveries[0].Retain, (int)deliveries[0].PacketId, deliveries[0].State));
        Assert.Equal([42, 43], deliveries[0].SubscriptionIds);
        Assert.Equal((QualityOfService.ExactlyOnce, true, 9, DeliveryState.ReleaseSent), (deliveries[1].QoS, deliveries[1].Retain, (int)deliveries[1].PacketId, deliveries[1].State));
        Assert.Null(deliveries[1].SubscriptionIds);

        Assert.Equal(new StoredInboundQoS2(7, 77), Assert.Single(snapshot.InboundQoS2));
        Assert.Equal(new StoredRetained("a/b", 100), Assert.Single(snapshot.Retained));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public void Deleting_a_session_deletes_its_subscriptions_deliveries_and_inbound_ids_but_not_other_sessions(string kind)
    {
        using (var store = _stores.Open(kind))
        {
            store.Write(
            [
                StoreChange.SessionSaved(new StoredSession(1, "a", 60, null, null, null)),
                StoreChange.SessionSaved(new StoredSession(2, "b", 60, null, null, null)),
                StoreChange.SubscriptionSaved(new StoredSubscription(1, new TopicSubscription("x", QualityOfService.AtLeastOnce), 0)),
                StoreChange.SubscriptionSaved(new StoredSubscription(2, new TopicSubscription("x", QualityOfService.AtLeastOnce), 0)),
                StoreChange.MessageAdded(new StoredMessage(10, new PublishPacket { Topic = "x", Payload = "1"u8.ToArray() }, null, null)),
                StoreChange.DeliveryAdded(1, 1, 10, QualityOfService.AtLeastOnce, false, null, 0, DeliveryState.Queued),
                StoreChange.DeliveryAdded(2, 2, 10, QualityOfService.AtLeastOnce, false, null, 0, DeliveryState.Queued),
                StoreChange.InboundAdded(1, 5),
                StoreChange.InboundAdded(2, 5),
            ]);
            store.Write([StoreChange.SessionDeleted(1)]);
        }

        using var reopened = _stores.Open(kind);
        var snapshot = reopened.Load();
        Assert.Equal(2, Assert.Single(snapshot.Sessions).Id);
        Assert.Equal(2, Assert.Single(snapshot.Subscriptions).SessionId);
        Assert.Equal(2, Assert.Single(snapshot.Deliveries).SessionId);
        Assert.Equal(2, Assert.Single(snapshot.InboundQoS2).SessionId);
        Assert.Single(snapshot.Messages);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public void Replacing_and_deleting_rows_leaves_only_the_last_state(string kind)
    {
        using (var store = _stores.Open(kind))
        {
            store.Write(
            [
                StoreChange.SessionSaved(new StoredSession(1, "a", 60, null, null, null)),
                StoreChange.SessionSaved(new StoredSession(1, "a", 120, DateTimeOffset.FromUnixTimeMilliseconds(5), null, null)),
                StoreChange.SubscriptionSaved(new StoredSubscription(1, new TopicSubscription("x", QualityOfService.AtMostOnce), 0)),
                StoreChange.SubscriptionSaved(new StoredSubscription(1, new TopicSubscription("x", QualityOfService.ExactlyOnce), 3)),
                StoreChange.SubscriptionSaved(new StoredSubscription(1, new TopicSubscription("y", QualityOfService.AtMostOnce), 0)),
                StoreChange.SubscriptionDeleted(1, "y"),
                StoreChange.MessageAdded(new StoredMessage(10, new PublishPacket { Topic = "r", Payload = "1"u8.ToArray() }, null, null)),
                StoreChange.MessageAdded(new StoredMessage(11, new PublishPacket { Topic = "r", Payload = "2"u8.ToArray() }, null, null)),
                StoreChange.RetainedSet("r", 10),
                StoreChange.RetainedSet("r", 11),
                StoreChange.MessageDeleted(10),
                StoreChange.RetainedSet("s", 11),
                StoreChange.RetainedDeleted("s"),
                StoreChange.DeliveryAdded(1, 1, 11, QualityOfService.AtLeastOnce, false, null, 0, DeliveryState.Queued),
                StoreChange.DeliveryDeleted(1),
            ]);
        }

        using var reopened = _stores.Open(kind);
        var snapshot = reopened.Load();
        var session = Assert.Single(snapshot.Sessions);
        Assert.Equal(120u, session.ExpiryInterval);
        var subscription = Assert.Single(snapshot.Subscriptions);
        Assert.Equal((QualityOfService.ExactlyOnce, 3), (subscription.Options.MaximumQoS, subscription.SubscriptionId));
        Assert.Equal(11, Assert.Single(snapshot.Messages).Id);
        Assert.Equal(new StoredRetained("r", 11), Assert.Single(snapshot.Retained));
        Assert.Empty(snapshot.Deliveries);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public void An_empty_store_loads_empty(string kind)
    {
        using var store = _stores.Open(kind);
        var snapshot = store.Load();
        Assert.Empty(snapshot.Sessions);
        Assert.Empty(snapshot.Messages);
        Assert.Empty(snapshot.Retained);
    }

    private static PublishPacket FullMessage() => new()
    {
        Topic = "sensors/temperature",
        Payload = new byte[] { 0, 1, 2, 255 },
        QoS = QualityOfService.ExactlyOnce,
        Retain = true,
        PacketId = 12,
        PayloadFormat = PayloadFormatIndicator.Unspecified,
        MessageExpiryInterval = 3600,
        ResponseTopic = "replies/1",
        CorrelationData = [9, 8, 7],
        ContentType = "application/octet-stream",
        UserProperties = [new UserProperty("k", "v"), new UserProperty("k", "v2")],
    };

    private static void AssertSameMessage(PublishPacket expected, PublishPacket actual)
    {
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.QoS, actual.QoS);
        Assert.Equal(expected.Retain, actual.Retain);
        Assert.Equal(expected.PayloadFormat, actual.PayloadFormat);
        Assert.Equal(expected.MessageExpiryInterval, actual.MessageExpiryInterval);
        Assert.Equal(expected.ResponseTopic, actual.ResponseTopic);
        Assert.Equal(expected.CorrelationData, actual.CorrelationData);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.UserProperties, actual.UserProperties);
    }
}
