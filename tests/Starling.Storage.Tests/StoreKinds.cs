using Starling.Broker.Storage;
using Starling.Storage.Sqlite;

namespace Starling.Storage.Tests;

/// <summary>
/// The store implementations every contract and restart test runs against. A factory "reopens" a store the way a
/// restart does: the SQLite one opens the same file again, the in-memory one hands back the same object.
/// </summary>
public sealed class StoreKinds : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("starling-store-").FullName;
    private readonly InMemoryStore _memory = new();

    public static TheoryData<string> All => new() { "memory", "sqlite" };

    public string DatabasePath => Path.Combine(_directory, SqliteStore.FileName);

    /// <summary>Opens the store of kind <paramref name="kind"/> (again, for a restart).</summary>
    public IBrokerStore Open(string kind, SyncPolicy sync = SyncPolicy.Always) => kind switch
    {
        "memory" => new ReopenableMemoryStore(_memory),
        "sqlite" => new SqliteStore(DatabasePath, sync),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown store kind"),
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a failed test; the temp directory is cleaned by the OS.
        }
    }

    /// <summary>The shared in-memory store, with a Dispose that does not end it (a "process" restart keeps it).</summary>
    private sealed class ReopenableMemoryStore(InMemoryStore inner) : IBrokerStore
    {
        public string Description => inner.Description;

        public StoreSnapshot Load() => inner.Load();

        public void Write(IReadOnlyList<StoreChange> changes) => inner.Write(changes);

        public void Dispose()
        {
        }
    }
}
