using Microsoft.Data.Sqlite;
using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.Storage.Sqlite;

namespace Starling.Storage.Tests;

/// <summary>A damaged or foreign database never yields a silently empty broker: it is refused with a message naming the file and the way out.</summary>
public sealed class SqliteDamageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("starling-damage-").FullName;

    private string DatabasePath => Path.Combine(_directory, SqliteStore.FileName);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_naming_the_file_and_the_recovery_commands()
    {
        File.WriteAllText(DatabasePath, new string('x', 8192));

        var error = Assert.Throws<StoreException>(() => new SqliteStore(DatabasePath));

        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("starling store repair", error.Message, StringComparison.Ordinal);
        Assert.Contains("--in-memory", error.Message, StringComparison.Ordinal);
        Assert.Equal(new string('x', 8192), File.ReadAllText(DatabasePath)); // "Nothing was changed"
    }

    [Fact]
    public void A_database_with_damaged_pages_is_refused_and_repair_moves_it_aside_and_keeps_the_readable_rows()
    {
        WriteSessions(count: 400);
        CorruptMiddleOfFile();

        var error = Assert.Throws<StoreException>(() => new SqliteStore(DatabasePath));
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
        Assert.False(StoreDoctor.Check(DatabasePath).Healthy);

        var repair = StoreDoctor.Repair(DatabasePath);

        Assert.NotNull(repair.DamagedCopy);
        Assert.True(File.Exists(repair.DamagedCopy));
        Assert.True(StoreDoctor.Check(DatabasePath).Healthy);
        using var repaired = new SqliteStore(DatabasePath);
        var sessions = repaired.Load().Sessions;
        Assert.Equal(repair.Recovered["sessions"], sessions.Count);
        Assert.All(sessions, s => Assert.StartsWith("client-", s.ClientId, StringComparison.Ordinal));
        Assert.True(repair.Recovered.Values.Sum() > 0, "nothing was recovered");
        Assert.True(repair.Recovered.Values.Sum() < 800 || repair.Problems.Count == 0, "rows were lost but no problem was reported");
    }

    [Fact]
    public void A_database_written_by_a_newer_schema_is_refused_rather_than_misread()
    {
        using (var store = new SqliteStore(DatabasePath))
        {
            store.Load();
        }

        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<StoreException>(() => new SqliteStore(DatabasePath));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_healthy_store_checks_ok_with_its_row_counts()
    {
        WriteSessions(count: 3);

        var check = StoreDoctor.Check(DatabasePath);

        Assert.True(check.Healthy, string.Join("; ", check.Problems));
        Assert.Equal(1, check.SchemaVersion);
        Assert.Equal(3, check.Rows["sessions"]);
    }

    private void WriteSessions(int count)
    {
        using var store = new SqliteStore(DatabasePath);
        store.Load();
        var changes = new List<StoreChange>();
        for (var i = 1; i <= count; i++)
        {
            changes.Add(StoreChange.SessionSaved(new StoredSession(i, $"client-{i}-{new string('p', 200)}", 3600, null, null, null)));
            changes.Add(StoreChange.MessageAdded(new StoredMessage(i, new PublishPacket { Topic = $"t/{i}", Payload = new byte[300], QoS = QualityOfService.AtLeastOnce, PacketId = 1 }, null, null)));
        }

        store.Write(changes);
    }

    /// <summary>Overwrites a run of pages in the middle of the file with garbage, as a failing disk would.</summary>
    private void CorruptMiddleOfFile()
    {
        var length = new FileInfo(DatabasePath).Length;
        Assert.True(length > 64 * 1024, $"the database is only {length} bytes");
        using var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.Write);
        file.Position = length / 2;
        var garbage = new byte[16 * 1024];
        new Random(7).NextBytes(garbage);
        file.Write(garbage);
    }
}
