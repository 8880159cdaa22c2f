using System.Net.Sockets;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Hosting;

/// <summary>
/// Starling's own socket transport (Starling.Server/Sockets) under the byte streams TCP really delivers: packets split
/// at any byte, many packets in one segment, packets larger than the receive buffer, and a partial packet left at an
/// offset in the buffer while the next bytes arrive; and on the way out, batches far larger than the send buffer to a
/// client that reads slowly (bytes sent as the buffer fills, partial sends, a full socket, the send resumed later).
/// </summary>
public sealed class SocketTransportTests
{
    [Fact]
    public async Task Packets_split_at_random_boundaries_arrive_whole_and_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", ProtocolVersion.V311, cancellationToken: ct);
        await subscriber.SubscribeAsync("split/#", cancellationToken: ct);

        var random = new Random(20261125);
        var payloads = new List<byte[]>();
        var stream = new MemoryStream();
        stream.Write(PacketBuilder.Connect().String("MQTT").Byte(4).Byte(0x02).UInt16(60).String("splitter"));
        for (var i = 0; i < 300; i++)
        {
            // Mostly small packets, some larger than the 8 KB receive buffer (it has to grow, then shrink back).
            var size = i % 37 == 0 ? random.Next(9_000, 40_000) : random.Next(0, 200);
            var payload = new byte[size];
            random.NextBytes(payload);
            BitConverter.TryWriteBytes(payload.AsSpan(0, Math.Min(4, size)), i);
            payloads.Add(payload);
            stream.Write(PacketBuilder.Publish().String($"split/{i % 5}").Bytes(payload));
        }

        var bytes = stream.ToArray();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", broker.Port, ct);
        for (var offset = 0; offset < bytes.Length;)
        {
            var count = Math.Min(bytes.Length - offset, random.Next(1, 3_000));
            offset += await socket.SendAsync(bytes.AsMemory(offset, count), SocketFlags.None, ct);
            if (random.Next(4) == 0)
            {
                await Task.Delay(1, ct); // ok-to-sleep: the broker reads a partial packet before the rest is sent (what is tested)
            }
        }

        for (var i = 0; i < payloads.Count; i++)
        {
            var publish = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.Equal($"split/{i % 5}", publish.Topic);
            Assert.Equal(payloads[i], publish.Payload.ToArray());
        }
    }

    [Fact]
    public async Task Packets_behind_the_connect_in_the_same_segment_are_handled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("sub", ProtocolVersion.V311, cancellationToken: ct);
        await subscriber.SubscribeAsync("burst", cancellationToken: ct);

        // CONNECT, three PUBLISH packets and a PINGREQ in one send: all handled from the first read.
        await using var client = await broker.OpenAsync(ct);
        var burst = new MemoryStream();
        burst.Write(PacketBuilder.Connect().String("MQTT").Byte(4).Byte(0x02).UInt16(60).String("burst"));
        for (var i = 0; i < 3; i++)
        {
            burst.Write(PacketBuilder.Publish().String("burst").Bytes((byte)i));
        }

        burst.Write(new byte[] { 0xC0, 0x00 });
        await client.SendAsync(burst.ToArray(), ct);

        await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct);
        await client.ExpectAsync<PingRespPacket>(cancellationToken: ct);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal([(byte)i], (await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct)).Payload.ToArray());
        }
    }

    [Fact]
    public async Task A_batch_of_megabytes_reaches_a_slow_reader_whole_and_in_order()
    {
        const int Messages = 3_000;
        const int PayloadSize = 2_000;
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.MaximumOutboundBytes = 64 * 1024 * 1024, cancellationToken: ct);
        await using var subscriber = await broker.ConnectAsync("slow", ProtocolVersion.V311, cancellationToken: ct);
        await subscriber.SubscribeAsync("big", cancellationToken: ct);

        // 6 MB queued at once while the subscriber reads nothing: more than loopback's socket buffers take.
        var random = new Random(20261126);
        var payloads = new byte[Messages][];
        for (var i = 0; i < Messages; i++)
        {
            payloads[i] = new byte[PayloadSize];
            random.NextBytes(payloads[i]);
            BitConverter.TryWriteBytes(payloads[i], i);
            broker.Broker.Publish("big", payloads[i]);
        }

        for (var i = 0; i < Messages; i++)
        {
            var publish = await subscriber.ExpectAsync<PublishPacket>(cancellationToken: ct);
            Assert.Equal(payloads[i], publish.Payload.ToArray());
            if (i % 500 == 0)
            {
                await Task.Delay(20, ct); // ok-to-sleep: the broker's socket fills up while the reader pauses (what is tested)
            }
        }

        Assert.Equal(0, broker.Broker.GetClients().Single(c => c.ClientId == "slow").DroppedMessages);
    }
}
