namespace Starling.Broker.Storage;

/// <summary>
/// Where the broker keeps what must survive a restart: persistent sessions with their subscriptions, queued and
/// in-flight messages and inbound QoS 2 state, retained messages and delayed wills. The broker stays the source of
/// truth while it runs; the store receives its changes in batches (group commit) and gives them back at start-up.
/// </summary>
/// <remarks>
/// The broker calls <see cref="Load"/> once, before it accepts connections, and then <see cref="Write"/> from one
/// writer thread at a time. Implementations: <see cref="InMemoryStore"/> and the SQLite store in Starling.Storage.Sqlite.
/// </remarks>
public interface IBrokerStore : IDisposable
{
    /// <summary>Says what and where the store is, for logs and error messages (e.g. "SQLite data/starling.db").</summary>
    string Description { get; }

    /// <summary>Everything stored. Throws <see cref="StoreException"/> when the store cannot be read.</summary>
    StoreSnapshot Load();

    /// <summary>
    /// Applies <paramref name="changes"/> in order, all or nothing, durably as the store's sync policy says. When it
    /// returns, the broker sends the acknowledgements that waited for these changes. Throws on failure; the broker
    /// then retries the same changes.
    /// </summary>
    void Write(IReadOnlyList<StoreChange> changes);
}

/// <summary>When the broker's writes reach the disk, and whether acknowledgements wait for them.</summary>
public enum SyncPolicy
{
    /// <summary>
    /// A QoS 1/2 PUBLISH is acknowledged only after its changes are committed and synced. Many messages share one
    /// commit (group commit), so throughput does not fall to one sync per message. Nothing acknowledged is lost.
    /// </summary>
    Always,

    /// <summary>
    /// Changes are committed and synced every <see cref="BrokerOptions.SyncInterval"/>; acknowledgements do not wait.
    /// A crash loses up to one interval of acknowledged messages.
    /// </summary>
    Periodic,

    /// <summary>
    /// Changes are written as they come without syncing; acknowledgements do not wait. A process crash loses the
    /// messages not yet written (usually a few milliseconds' worth); a power failure can lose more.
    /// </summary>
    None,
}

/// <summary>The store cannot be opened or read: the message names the file and the problem.</summary>
public sealed class StoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public StoreException()
    {
    }
}
