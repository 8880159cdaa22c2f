using Microsoft.Data.Sqlite;
using Starling.Broker.Storage;

namespace Starling.Storage.Sqlite;

/// <summary>
/// The default durable store: one SQLite database in WAL mode, written by the broker's single store writer, one
/// transaction per batch (group commit). <see cref="SyncPolicy.Always"/> and <see cref="SyncPolicy.Periodic"/> sync
/// every commit (<c>synchronous=FULL</c>); <see cref="SyncPolicy.None"/> leaves syncing to the operating system.
/// Opening checks the file (<c>PRAGMA quick_check</c>) and its schema version, and refuses a damaged or foreign file
/// with a <see cref="StoreException"/> that names it and says how to recover (<see cref="StoreDoctor"/>).
/// </summary>
public sealed class SqliteStore : IBrokerStore
{
    /// <summary>The database file name inside a data directory.</summary>
    public const string FileName = "starling.db";

    private readonly SqliteConnection _connection;
    private readonly ChangeWriter _writer;
    private long _writes;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    /// <exception cref="StoreException">The file is damaged, not a Starling store, or from a newer Starling.</exception>
    public SqliteStore(string path, SyncPolicy sync = SyncPolicy.Always)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = System.IO.Path.GetFullPath(path);
        Description = $"SQLite store {Path}";
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            _connection = Open(Path, readOnly: false);
            Execute(_connection, sync == SyncPolicy.None ? "PRAGMA synchronous = OFF;" : "PRAGMA synchronous = FULL;");
            var problems = StoreDoctor.QuickCheck(_connection);
            if (problems.Count > 0)
            {
                throw new StoreException(StoreDoctor.DamagedMessage(Path, string.Join("; ", problems.Take(3))));
            }

            Schema.Migrate(_connection, Path);
            _writer = new ChangeWriter(_connection);
        }
        catch (SqliteException e)
        {
            _connection?.Dispose();
            throw new StoreException(StoreDoctor.DamagedMessage(Path, e.Message), e);
        }
        catch (InvalidOperationException e)
        {
            _connection?.Dispose();
            throw new StoreException($"The store {Path} cannot be used: {e.Message}.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _connection?.Dispose();
            throw new StoreException($"The store {Path} cannot be opened: {e.Message}", e);
        }
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public StoreSnapshot Load()
    {
        try
        {
            return SnapshotReader.Read(_connection);
        }
        catch (Exception e) when (e is SqliteException or InvalidDataException or InvalidCastException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new StoreException(StoreDoctor.DamagedMessage(Path, e.Message), e);
        }
    }

    /// <inheritdoc />
    public void Write(IReadOnlyList<StoreChange> changes)
    {
        _writer.Write(changes);

        // Deleted messages leave free pages: hand them back to the file system now and then so the file follows the live data.
        if (++_writes % 1024 == 0)
        {
            try
            {
                Execute(_connection, "PRAGMA incremental_vacuum(4096);");
            }
            catch (SqliteException)
            {
                // Housekeeping only; the batch is committed. A failing disk shows in the next write.
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _writer.Dispose();
        try
        {
            Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        catch (SqliteException)
        {
            // Closing checkpoints anyway; a busy or failing checkpoint here loses nothing.
        }

        _connection.Dispose();
    }

    internal static SqliteConnection Open(string path, bool readOnly)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            if (!readOnly)
            {
                // auto_vacuum only takes effect on a new, empty database (before the first table): set it first.
                Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA journal_size_limit = 8388608;");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
