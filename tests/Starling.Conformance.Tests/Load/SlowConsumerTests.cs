using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Load;

/// <summary>A subscriber that stops reading never slows the others, and the broker's memory stays bounded.</summary>
[Collection(nameof(ProcessMeasuringCollection))] // it measures the process's managed memory
public sealed class SlowConsumerTests
{
    private const int Messages = 20_000;
    private const int PayloadSize = 1024;
    private const int Burst = 500;
    private const int FastSubscribers = 10;

    [Fact]
    public async Task A_stalled_subscriber_loses_messages_but_ten_others_receive_everything_and_memory_stays_bounded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumOutboundBytes = 4 * 1024 * 1024, cancellationToken: ct);

        // The stalled subscriber subscribes, then never reads again.
        await using var stalled = await broker.ConnectAsync("stalled", cancellationToken: ct);
        await stalled.SubscribeAsync("load", cancellationToken: ct);
        var fast = new List<RawMqttClient>();
        for (var i = 0; i < FastSubscribers; i++)
        {
            var client = await broker.ConnectAsync($"fast{i}", cancellationToken: ct);
            await client.SubscribeAsync("load", cancellationToken: ct);
            fast.Add(client);
        }

        var received = new int[FastSubscribers];
        var outOfOrder = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var readers = fast.Select((client, index) => Task.Run(async () =>
        {
            while (received[index] < Messages)
            {
                var message = await client.ExpectAsync<PublishPacket>(TimeSpan.FromSeconds(20), stop.Token);
                if (BitConverter.ToInt32(message.Payload.Span) != received[index])
                {
                    Interlocked.Increment(ref outOfOrder);
                }

                Volatile.Write(ref received[index], received[index] + 1);
            }
        }, stop.Token)).ToArray();

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var payload = new byte[PayloadSize];
        for (var sent = 0; sent < Messages; sent += Burst)
        {
            for (var i = sent; i < sent + Burst; i++)
            {
                var copy = (byte[])payload.Clone();
                BitConverter.TryWriteBytes(copy, i);
                broker.Broker.Publish("load", copy);
            }

            // Pace by the fast subscribers only: the stalled one must not hold anybody back.
            var target = sent + Burst;
            await WaitFor.ConditionAsync(() => received.All(r => Volatile.Read(ref r) >= target), TimeSpan.FromSeconds(20), $"fast subscribers to reach {target}", ct);
        }

        await Task.WhenAll(readers);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.All(received, count => Assert.Equal(Messages, count));
        Assert.Equal(0, outOfOrder);
        var stalledInfo = broker.Broker.GetClients().Single(c => c.ClientId == "stalled");
        Assert.True(stalledInfo.DroppedMessages > 0, "The stalled subscriber's excess QoS 0 messages are dropped and counted.");

        // 20 MB were published; the stalled subscriber may hold its 4 MB outbound bound plus its socket buffer (about 6 MB
        // measured), and the fast ones reuse pooled buffers of at most 64 KB: an unbounded queue would hold all 20 MB.
        Assert.True(after - before < 10L * 1024 * 1024, $"Managed memory grew by {(after - before) / 1024} KB.");
        foreach (var client in fast)
        {
            await client.DisposeAsync();
        }
    }
}
