using System.Buffers.Binary;
using System.Globalization;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;
using Xunit.Sdk;

namespace Starling.EndToEnd.Tests;

/// <summary>
/// The durability promise on the real process: <c>starling serve</c> with its default store is killed with SIGKILL
/// at random points while publishers send numbered QoS 1, QoS 2 and retained streams to persistent subscribers that
/// are offline, and restarted on the same data directory each time. Afterwards every message whose PUBACK / PUBCOMP
/// a publisher received must reach its subscriber (QoS 1 at least once, QoS 2 exactly once) and the retained topic
/// must hold the last acknowledged value (or the one in flight at the last kill).
/// </summary>
public sealed class CrashTests
{
    private const int KillCount = 24;

    [Fact]
    public async Task Nothing_acknowledged_is_lost_across_24_kill_9_restarts()
    {
        var ct = TestContext.Current.CancellationToken;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var port = FreePort.Get();
        var workingDirectory = Directory.CreateTempSubdirectory("starling-crash-").FullName;
        var environment = new Dictionary<string, string> { ["STARLING_Broker__MaximumQueuedMessages"] = "1000000" };
        string[] serve = ["serve", "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)];

        await using (var first = StarlingProcess.Start(serve, environment, workingDirectory))
        {
            await StarlingProcess.WaitUntilListeningAsync(first, ct);
            await ParkSubscriberAsync(port, "sub-q1", "crash/q1", QualityOfService.AtLeastOnce, ct);
            await ParkSubscriberAsync(port, "sub-q2", "crash/q2", QualityOfService.ExactlyOnce, ct);

            // A SUBACK does not wait for the disk (only PUBACK / PUBREC do): stop this first broker gracefully.
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(15), ct));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var qos1 = new Qos1Publisher(port, "pub-q1", "crash/q1", retain: false);
        var retained = new Qos1Publisher(port, "pub-retained", "crash/retained", retain: true);
        var qos2 = new Qos2Publisher(port);
        var publishing = Task.WhenAll(qos1.RunAsync(stop.Token), retained.RunAsync(stop.Token), qos2.RunAsync(stop.Token));

        var transcripts = new List<string>();
        for (var kill = 0; kill < KillCount; kill++)
        {
            await using var broker = StarlingProcess.Start(serve, environment, workingDirectory);
            await StarlingProcess.WaitUntilListeningAsync(broker, ct);
            await Task.Delay(random.Next(30, 400), ct); // ok-to-sleep: the kill point is a random moment of the publishing, by design
            broker.Kill();
            await broker.WaitForExitAsync(TimeSpan.FromSeconds(10), ct);
            transcripts.Add(broker.Transcript());
        }

        await using var last = StarlingProcess.Start(serve, environment, workingDirectory);
        await StarlingProcess.WaitUntilListeningAsync(last, ct);
        await WaitFor.ConditionAsync(() => qos1.Acknowledged.Count > 0 && qos2.Acknowledged.Count > 0 && retained.Acknowledged.Count > 0,
            TimeSpan.FromSeconds(30), "every publisher to get an acknowledgement", ct);
        await stop.CancelAsync();
        await publishing;

        var context = $"seed {seed}; acknowledged QoS 1: {qos1.Acknowledged.Count}, QoS 2: {qos2.Acknowledged.Count}, retained: {retained.Acknowledged.Count}";
        TestContext.Current.TestOutputHelper?.WriteLine(context);
        var received1 = await DrainAsync(port, "sub-q1", qos1.Acknowledged, ct);
        var received2 = await DrainAsync(port, "sub-q2", qos2.Acknowledged, ct);

        var missing1 = qos1.Acknowledged.Except(received1).ToList();
        Assert.True(missing1.Count == 0, $"{context}: acknowledged QoS 1 messages lost: {string.Join(", ", missing1.Take(20))}");
        var missing2 = qos2.Acknowledged.Except(received2).ToList();
        Assert.True(missing2.Count == 0, $"{context}: acknowledged QoS 2 messages lost: {string.Join(", ", missing2.Take(20))}");
        var duplicates2 = received2.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates2.Count == 0, $"{context}: QoS 2 messages delivered twice [MQTT-4.3.3-10]: {string.Join(", ", duplicates2.Take(20))}");

        var lastRetained = retained.Acknowledged.Max();
        var value = await ReadRetainedAsync(port, ct);
        Assert.True(value == lastRetained || value == lastRetained + 1, $"{context}: retained value {value}, last acknowledged {lastRetained}");
        Assert.True(qos1.Acknowledged.Count >= KillCount && qos2.Acknowledged.Count >= KillCount, $"{context}: too little traffic to test anything");
        Directory.Delete(workingDirectory, recursive: true);
    }

    private static ConnectPacket Persistent(string clientId) =>
        new() { ProtocolVersion = ProtocolVersion.V311, ClientId = clientId, CleanSession = false, KeepAlive = 60 };

    private static async Task ParkSubscriberAsync(int port, string clientId, string topic, QualityOfService qos, CancellationToken ct)
    {
        await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await client.SendAsync(Persistent(clientId), ct);
        await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct);
        await client.SubscribeAsync(topic, qos, cancellationToken: ct);
        await client.SendAsync(DisconnectPacket.Normal, ct);
        await client.ExpectClosedAsync(cancellationToken: ct);
    }

    /// <summary>Connects the parked subscriber and acknowledges everything it is sent, until every expected number arrived and 500 ms pass quietly (or 10 s pass without a message).</summary>
    private static async Task<List<int>> DrainAsync(int port, string clientId, IReadOnlyCollection<int> expected, CancellationToken ct)
    {
        var received = new List<int>();
        await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await client.SendAsync(Persistent(clientId), ct);
        Assert.True((await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct)).SessionPresent, $"{clientId}'s session was not kept");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var quiet = expected.All(received.Contains);
            IMqttPacket packet;
            try
            {
                packet = await client.ReceiveAsync(quiet ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(10), ct);
            }
            catch (TimeoutException)
            {
                // Everything expected came and then silence, or nothing more for 10 s: the caller reports what is missing.
                return received;
            }

            switch (packet)
            {
                case PublishPacket publish:
                    received.Add(BinaryPrimitives.ReadInt32BigEndian(publish.Payload.Span));
                    await client.SendAsync(new AckPacket(publish.QoS == QualityOfService.AtLeastOnce ? PacketType.PubAck : PacketType.PubRec, publish.PacketId), ct);
                    break;
                case AckPacket { Type: PacketType.PubRel } pubrel:
                    await client.SendAsync(new AckPacket(PacketType.PubComp, pubrel.PacketId), ct);
                    break;
                default:
                    throw new XunitException($"unexpected {packet.Type}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{clientId}: still draining after 60 s ({received.Count} received)");
            }
        }
    }

    private static async Task<int> ReadRetainedAsync(int port, CancellationToken ct)
    {
        await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
        await client.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = "retained-reader", KeepAlive = 60 }, ct);
        await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct);
        await client.SubscribeAsync("crash/retained", QualityOfService.AtMostOnce, cancellationToken: ct);
        var message = await client.ExpectAsync<PublishPacket>(cancellationToken: ct);
        Assert.True(message.Retain);
        return BinaryPrimitives.ReadInt32BigEndian(message.Payload.Span);
    }

    private static byte[] Numbered(int sequence)
    {
        var payload = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(payload, sequence);
        return payload;
    }

    private static async Task<RawMqttClient?> TryConnectAsync(int port, ConnectPacket connect, CancellationToken ct)
    {
        RawMqttClient? client = null;
        try
        {
            client = await RawMqttClient.ConnectAsync("127.0.0.1", port, ct);
            await client.SendAsync(connect, ct);
            await client.ExpectAsync<ConnAckPacket>(TimeSpan.FromSeconds(5), ct);
            return client;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException or TimeoutException)
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            await Task.Delay(20, ct); // ok-to-sleep: reconnect back-off while the broker is down (nothing to wait for)
            return null;
        }
    }

    /// <summary>Sends numbers 1, 2, ... at QoS 1, one at a time; a number counts once its PUBACK arrived; after a drop the same number is sent again.</summary>
    private sealed class Qos1Publisher(int port, string clientId, string topic, bool retain)
    {
        public List<int> Acknowledged { get; } = [];

        public async Task RunAsync(CancellationToken stop)
        {
            var sequence = 1;
            ushort packetId = 0;
            while (!stop.IsCancellationRequested)
            {
                await using var client = await TryConnectAsync(port, new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = clientId, KeepAlive = 60 }, CancellationToken.None);
                if (client is null)
                {
                    continue;
                }

                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        packetId = packetId == ushort.MaxValue ? (ushort)1 : (ushort)(packetId + 1);
                        await client.SendAsync(new PublishPacket { Topic = topic, Payload = Numbered(sequence), QoS = QualityOfService.AtLeastOnce, Retain = retain, PacketId = packetId }, CancellationToken.None);
                        await client.ExpectAckAsync(PacketType.PubAck, packetId, CancellationToken.None);
                        lock (Acknowledged)
                        {
                            Acknowledged.Add(sequence);
                        }

                        sequence++;
                    }
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException or TimeoutException)
                {
                    // The broker was killed: reconnect and send the unacknowledged number again.
                }
            }
        }
    }

    /// <summary>
    /// Sends numbers at QoS 2 from a persistent session, one at a time; a number counts once its PUBCOMP arrived.
    /// After a drop it resumes the flow where it stood: PUBLISH again with DUP=1 (same packet id) or PUBREL again.
    /// </summary>
    private sealed class Qos2Publisher(int port)
    {
        public List<int> Acknowledged { get; } = [];

        public async Task RunAsync(CancellationToken stop)
        {
            var sequence = 1;
            ushort packetId = 1;
            var phase = 0; // 0: next PUBLISH, 1: PUBLISH sent, 2: PUBREL sent
            while (true)
            {
                if (stop.IsCancellationRequested && phase == 0)
                {
                    return;
                }

                await using var client = await TryConnectAsync(port, Persistent("pub-q2"), CancellationToken.None);
                if (client is null)
                {
                    continue;
                }

                try
                {
                    if (phase == 1)
                    {
                        await client.SendAsync(new PublishPacket { Topic = "crash/q2", Payload = Numbered(sequence), QoS = QualityOfService.ExactlyOnce, PacketId = packetId, Dup = true }, CancellationToken.None);
                    }
                    else if (phase == 2)
                    {
                        await client.SendAsync(new AckPacket(PacketType.PubRel, packetId), CancellationToken.None);
                    }

                    while (true)
                    {
                        if (phase == 0)
                        {
                            if (stop.IsCancellationRequested)
                            {
                                return;
                            }

                            packetId = packetId == ushort.MaxValue ? (ushort)1 : (ushort)(packetId + 1);
                            await client.SendAsync(new PublishPacket { Topic = "crash/q2", Payload = Numbered(sequence), QoS = QualityOfService.ExactlyOnce, PacketId = packetId }, CancellationToken.None);
                            phase = 1;
                        }

                        if (phase == 1)
                        {
                            await client.ExpectAckAsync(PacketType.PubRec, packetId, CancellationToken.None);
                            await client.SendAsync(new AckPacket(PacketType.PubRel, packetId), CancellationToken.None);
                            phase = 2;
                        }

                        await client.ExpectAckAsync(PacketType.PubComp, packetId, CancellationToken.None);
                        lock (Acknowledged)
                        {
                            Acknowledged.Add(sequence);
                        }

                        sequence++;
                        phase = 0;
                    }
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException or TimeoutException)
                {
                    // The broker was killed: reconnect and resume the flow.
                }
            }
        }
    }
}
