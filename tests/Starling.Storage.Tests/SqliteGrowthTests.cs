using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Storage.Sqlite;
using Starling.TestKit;

namespace Starling.Storage.Tests;

/// <summary>Delivered and deleted messages are reclaimed: the database (with its WAL) follows the live data, not the history.</summary>
public sealed class SqliteGrowthTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("starling-growth-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Rounds_of_queue_and_drain_do_not_grow_the_database()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_directory, SqliteStore.FileName);
        await using var broker = await BrokerFixture.StartAsync(store: new SqliteStore(path), cancellationToken: ct);
        var databaseSizes = new List<long>();
        var walSizes = new List<long>();
        for (var round = 0; round < 12; round++)
        {
            await broker.ParkSessionAsync("grower", "grow/#", QualityOfService.AtLeastOnce, ProtocolVersion.V311, Persistent, cancellationToken: ct);
            for (var i = 0; i < 1500; i++)
            {
                broker.Broker.Publish($"grow/{i % 10}", new byte[1024], QualityOfService.AtLeastOnce);
            }

            await using var back = await ConnectPersistentAsync(broker, ct);
            for (var i = 0; i < 1500; i++)
            {
                var message = await back.ExpectAsync<PublishPacket>(cancellationToken: ct);
                await back.SendAsync(new AckPacket(PacketType.PubAck, message.PacketId), ct);
            }

            await WaitFor.ConditionAsync(() => broker.Broker.GetClients().Single().InflightMessages == 0, TimeSpan.FromSeconds(10), "the last PUBACK", ct);
            databaseSizes.Add(FileSize(path));
            walSizes.Add(FileSize(path + "-wal"));
        }

        // 18 MB of messages went through; at most 1.5 MB were live at once (the file may hold two generations of pages between checkpoints). Freed pages are reused, the WAL is
        // checkpointed and truncated to its 8 MB limit: neither file follows the history. (The database file's size
        // between rounds depends on when the WAL was last checkpointed, so only bounds are asserted.)
        var report = $"database {string.Join(", ", databaseSizes)}; WAL {string.Join(", ", walSizes)}";
        Assert.True(databaseSizes.Max() <= 6 * 1024 * 1024, report);
        Assert.True(walSizes.Max() <= 9 * 1024 * 1024, report);
    }

    private static ConnectPacket Persistent(ConnectPacket c) => new() { ProtocolVersion = c.ProtocolVersion, ClientId = c.ClientId, CleanSession = false, KeepAlive = 60 };

    private static Task<RawMqttClient> ConnectPersistentAsync(BrokerFixture broker, CancellationToken ct) =>
        broker.ConnectAsync("grower", ProtocolVersion.V311, cleanSession: false, customize: Persistent, cancellationToken: ct);

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
