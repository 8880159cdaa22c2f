using Microsoft.Data.Sqlite;

namespace Starling.Storage.Sqlite;

/// <summary>
/// The database schema, versioned with <c>PRAGMA user_version</c>: each migration takes the schema from one version to
/// the next inside a transaction. A database from a newer Starling is refused rather than misread.
/// </summary>
internal static class Schema
{
    private static readonly string[] Migrations =
    [
        // 1: sessions, their subscriptions, held deliveries and inbound QoS 2 ids; message bodies (stored once); retained topics.
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL,
            expiry_interval INTEGER NOT NULL,
            disconnected_at INTEGER NULL,
            will BLOB NULL,
            will_qos INTEGER NOT NULL DEFAULT 0,
            will_due_at INTEGER NULL);
        CREATE TABLE subscriptions (
            session_id INTEGER NOT NULL,
            filter TEXT NOT NULL,
            qos INTEGER NOT NULL,
            no_local INTEGER NOT NULL,
            retain_as_published INTEGER NOT NULL,
            retain_handling INTEGER NOT NULL,
            subscription_id INTEGER NOT NULL,
            PRIMARY KEY (session_id, filter)) WITHOUT ROWID;
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            packet BLOB NOT NULL,
            qos INTEGER NOT NULL,
            expires_at INTEGER NULL,
            publisher TEXT NULL);
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            subscription_ids BLOB NULL,
            packet_id INTEGER NOT NULL,
            state INTEGER NOT NULL);
        CREATE INDEX deliveries_by_session ON deliveries (session_id);
        CREATE TABLE inbound_qos2 (
            session_id INTEGER NOT NULL,
            packet_id INTEGER NOT NULL,
            PRIMARY KEY (session_id, packet_id)) WITHOUT ROWID;
        CREATE TABLE retained (
            topic TEXT PRIMARY KEY,
            message_id INTEGER NOT NULL) WITHOUT ROWID;
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>The tables, in the order a repair copies them.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["sessions", "subscriptions", "messages", "deliveries", "inbound_qos2", "retained"];

    /// <summary>Brings the database to <see cref="CurrentVersion"/>; returns the version it found.</summary>
    public static int Migrate(SqliteConnection connection, string path)
    {
        var version = ReadVersion(connection);
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"{path} has schema version {version}, newer than this Starling understands ({CurrentVersion}); run the Starling that wrote it, or move the file aside");
        }

        for (var next = version; next < CurrentVersion; next++)
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = Migrations[next] + $"\nPRAGMA user_version = {next + 1};";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        return version;
    }

    public static int ReadVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
