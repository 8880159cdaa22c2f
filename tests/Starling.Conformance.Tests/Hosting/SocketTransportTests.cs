using System.Net.Sockets;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Server;
using Starling.TestKit;

namespace Starling.Conformance.Tests.Hosting;

/// <summary>
/// Starling's own socket transport (Starling.Server/Sockets) under the byte streams TCP really delivers: packets split
/// at any byte, many packets in one segment, packets larger than the receive buffer, and a partial packet left at an
/// offset in the buffer while the next bytes arrive; and on the way out, batches far larger than the send buffer to a
/// client that reads slowly (bytes sent as the buffer fills, partial sends, a full socket, the send resumed later).
/// Every test runs on both engines: Starling's epoll loop (Linux) and the runtime's sockets.
/// </summary>
public sealed class SocketTransportTests
{
    public static TheoryData<bool> Engines => new() { false, true };

    private static Task<BrokerFixture> StartAsync(bool runtimeSockets, Action<Broker.BrokerOptions>? configure, CancellationToken ct) =>
        BrokerFixture.StartAsync(configure, cancellationToken: ct, listenerOptions: new TcpListenerOptions { UseRuntimeSockets = runtimeSockets });

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Packets_split_at_random_boundaries_arrive_whole_and_in_order(bool runtimeSockets)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartAsync(runtimeSockets, null, ct);
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

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Packets_behind_the_connect_in_the_same_segment_are_handled(bool runtimeSockets)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartAsync(runtimeSockets, null, ct);
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

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_batch_of_megabytes_reaches_a_slow_reader_whole_and_in_order(bool runtimeSockets)
    {
        const int Messages = 3_000;
        const int PayloadSize = 2_000;
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartAsync(runtimeSockets, o => o.MaximumOutboundBytes = 64 * 1024 * 1024, ct);
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

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_stop_ends_a_connection_whose_sends_wait_for_a_client_that_never_reads(bool runtimeSockets)
    {
        var ct = TestContext.Current.CancellationToken;
        var broker = await StartAsync(runtimeSockets, o =>
        {
            o.MaximumOutboundBytes = 64 * 1024 * 1024;
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300); // then the flush is given up and the socket aborted
        }, ct);
        await using var stalled = await broker.ConnectAsync("stalled", ProtocolVersion.V311, cancellationToken: ct);
        await stalled.SubscribeAsync("big", cancellationToken: ct);
        var payload = new byte[4_000];
        for (var i = 0; i < 2_000; i++)
        {
            broker.Broker.Publish("big", payload); // 8 MB: the broker's send waits for a socket that stays full
        }

        // The stop closes the connection; its writer, waiting for the socket, must end too, or the stop never completes.
        await broker.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15), ct);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task The_broker_reports_the_client_address_it_accepted(bool runtimeSockets)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartAsync(runtimeSockets, null, ct);
        await using var client = await broker.ConnectAsync("where", ProtocolVersion.V311, cancellationToken: ct);
        var info = broker.Broker.GetClients().Single(c => c.ClientId == "where");
        var local = (System.Net.IPEndPoint)client.LocalEndPoint!; // the test client's socket is dual-mode: ::ffff:127.0.0.1
        Assert.Equal(new System.Net.IPEndPoint(local.Address.MapToIPv4(), local.Port), info.RemoteEndPoint);
    }

    [Fact]
    public async Task Connections_spread_over_several_io_threads_exchange_messages_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct, listenerOptions: new TcpListenerOptions { IoThreads = 3 });
        var clients = new List<RawMqttClient>();
        for (var i = 0; i < 6; i++)
        {
            var client = await broker.ConnectAsync($"ring{i}", ProtocolVersion.V311, cancellationToken: ct);
            await client.SubscribeAsync($"ring/{i}", cancellationToken: ct);
            clients.Add(client);
        }

        // Each client publishes 200 numbered messages to the next one (round-robin puts neighbours on other threads).
        for (var n = 0; n < 200; n++)
        {
            for (var i = 0; i < clients.Count; i++)
            {
                await clients[i].SendAsync(PacketBuilder.Publish().String($"ring/{(i + 1) % clients.Count}").Bytes(BitConverter.GetBytes(n)), ct);
            }
        }

        foreach (var client in clients)
        {
            for (var n = 0; n < 200; n++)
            {
                Assert.Equal(n, BitConverter.ToInt32((await client.ExpectAsync<PublishPacket>(cancellationToken: ct)).Payload.Span));
            }

            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_that_sends_without_pause_does_not_starve_the_others_on_its_thread()
    {
        // The epoll engine's loop runs every read loop on one thread; the runtime's engine (in-process, without inline
        // completions) hands reads to the thread pool, where nothing can be starved this way.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "The epoll engine is Linux only.");
        const int Messages = 1_500;
        var ct = TestContext.Current.CancellationToken;
        using var release = new ManualResetEventSlim();
        var authenticator = new BlockingAuthenticator("blocker", release);
        await using var broker = await BrokerFixture.StartAsync(
            o => o.MaximumOutboundBytes = 64 * 1024 * 1024,
            authenticator: authenticator,
            listenerOptions: new TcpListenerOptions { IoThreads = 1 },
            cancellationToken: ct);
        await using var watcher = await broker.ConnectAsync("watch", ProtocolVersion.V311, cancellationToken: ct);
        await watcher.SubscribeAsync("#", cancellationToken: ct);
        await using var flooder = await broker.ConnectAsync("flood", ProtocolVersion.V311, cancellationToken: ct);
        await using var other = await broker.ConnectAsync("other", ProtocolVersion.V311, cancellationToken: ct);

        // The blocker's CONNECT holds the I/O thread (the authenticator waits), so that the flood, then the other
        // client's message queue up behind it. The whole flood waits in the kernel's buffers (they grow to a few MB on
        // loopback): every receive of the flooder's socket then finds a full buffer, as with a client faster than the
        // broker.
        await using var blocker = await broker.OpenAsync(ct);
        await blocker.SendAsync(new ConnectPacket { ClientId = "blocker" }, ct);
        await WaitFor.ConditionAsync(() => authenticator.Waiting, TimeSpan.FromSeconds(10), "the authenticator to hold the I/O thread", ct);
        var flood = new MemoryStream();
        for (var i = 0; i < Messages; i++)
        {
            flood.Write(PacketBuilder.Publish().String("flood").Bytes(new byte[1_000]));
        }

        await flooder.SendAsync(flood.ToArray(), ct).WaitAsync(TimeSpan.FromSeconds(10), ct); // taken by the kernel while the thread is held
        await other.SendAsync(PacketBuilder.Publish().String("other").Bytes(1), ct);
        release.Set();

        // The router hands the watcher every message in the order the I/O thread handled them.
        var otherAt = -1;
        for (var i = 0; i <= Messages; i++)
        {
            if ((await watcher.ExpectAsync<PublishPacket>(cancellationToken: ct)).Topic == "other")
            {
                otherAt = i;
            }
        }

        // Served in turn: the other client's message is handled while the flood still is (after 16 reads of it, about
        // 130 messages), not after all of it.
        Assert.InRange(otherAt, 0, Messages / 2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_deferred_accept_a_silent_connection_reaches_the_broker_only_after_a_second(bool deferAccept)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "TCP_DEFER_ACCEPT is Linux only.");
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(o => o.ConnectTimeout = TimeSpan.FromMilliseconds(200),
            listenerOptions: new TcpListenerOptions { DeferAccept = deferAccept }, cancellationToken: ct);

        // A client that speaks is served at once either way.
        await using (await broker.ConnectAsync("speaks", ProtocolVersion.V311, cancellationToken: ct))
        {
        }

        // A silent one is closed by the connect timeout once the broker has it: at once without deferral, after the
        // kernel's one-second deferral with it.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var silent = await broker.OpenAsync(ct);
        await silent.ExpectClosedAsync(TimeSpan.FromSeconds(10), ct);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (deferAccept)
        {
            Assert.True(elapsed >= TimeSpan.FromSeconds(0.95), $"closed after {elapsed}: handed over before its deferral ended");
        }
        else
        {
            Assert.True(elapsed < TimeSpan.FromSeconds(0.9), $"closed after {elapsed}: the connect timeout is 200 ms");
        }
    }

    /// <summary>Holds the calling thread (the I/O thread) in the CONNECT of one client until released.</summary>
    private sealed class BlockingAuthenticator(string clientId, ManualResetEventSlim release) : Broker.Security.IAuthenticator
    {
        private volatile bool _waiting;

        public bool Waiting => _waiting;

        public ValueTask<ReasonCode> AuthenticateAsync(Broker.Security.ConnectionRequest request, CancellationToken cancellationToken)
        {
            if (request.Connect.ClientId == clientId)
            {
                _waiting = true;
                release.Wait(TimeSpan.FromSeconds(10), cancellationToken);
                _waiting = false;
            }

            return ValueTask.FromResult(ReasonCode.Success);
        }
    }
}

/// <summary>Connections leave nothing behind: every accepted socket is closed once both sides are done.</summary>
[Collection(nameof(ProcessMeasuringCollection))] // it counts the process's open descriptors
public sealed class SocketLeakTests
{
    [Theory]
    [MemberData(nameof(SocketTransportTests.Engines), MemberType = typeof(SocketTransportTests))]
    public async Task Five_hundred_connections_opened_and_closed_leave_no_descriptor_open(bool runtimeSockets)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Counts /proc/self/fd.");
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await BrokerFixture.StartAsync(cancellationToken: ct, listenerOptions: new TcpListenerOptions { UseRuntimeSockets = runtimeSockets });
        await using (await broker.ConnectAsync("warm", ProtocolVersion.V311, cancellationToken: ct))
        {
        }

        await WaitFor.ConditionAsync(() => broker.Broker.GetClients().Count == 0, TimeSpan.FromSeconds(10), "the first client to be gone", ct);
        var before = Directory.GetFiles("/proc/self/fd").Length;

        // Half end with DISCONNECT, half just close their socket; every tenth is aborted by a protocol error.
        for (var i = 0; i < 500; i++)
        {
            var client = await broker.ConnectAsync($"c{i}", ProtocolVersion.V311, cancellationToken: ct);
            if (i % 10 == 0)
            {
                await client.SendAsync(new byte[] { 0xF0, 0x00 }, ct); // reserved packet type: the broker closes the connection
                await client.ExpectClosedAsync(cancellationToken: ct);
            }
            else if (i % 2 == 0)
            {
                await client.SendAsync(new byte[] { 0xE0, 0x00 }, ct);
            }

            await client.DisposeAsync();
        }

        await WaitFor.ConditionAsync(() => broker.Broker.GetClients().Count == 0, TimeSpan.FromSeconds(20), "every client to be gone", ct);
        await WaitFor.ConditionAsync(() => Directory.GetFiles("/proc/self/fd").Length <= before, TimeSpan.FromSeconds(20),
            $"open descriptors back to {before} (now {Directory.GetFiles("/proc/self/fd").Length})", ct);
    }
}
