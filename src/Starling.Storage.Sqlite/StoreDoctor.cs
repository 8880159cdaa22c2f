using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Starling.Storage.Sqlite;

/// <summary>What <see cref="StoreDoctor.Check"/> found.</summary>
/// <param name="Path">The database file.</param>
/// <param name="Exists">Whether the file exists (a missing store is not damaged: it is created empty).</param>
/// <param name="SchemaVersion">The schema version found; -1 when unreadable.</param>
/// <param name="Rows">Rows per table (those that could be counted).</param>
/// <param name="Problems">Damage found; empty when the store is healthy.</param>
public sealed record StoreCheckResult(string Path, bool Exists, int SchemaVersion, IReadOnlyDictionary<string, long> Rows, IReadOnlyList<string> Problems)
{
    /// <summary>True when the store can be used as it is.</summary>
    public bool Healthy => Problems.Count == 0;
}

/// <summary>What <see cref="StoreDoctor.Repair"/> did.</summary>
/// <param name="Path">The new, healthy database file.</param>
/// <param name="DamagedCopy">Where the damaged file was moved (kept for inspection); null when nothing was moved.</param>
/// <param name="Recovered">Rows copied into the new file, per table.</param>
/// <param name="Problems">Tables or rows that could not be read.</param>
public sealed record StoreRepairResult(string Path, string? DamagedCopy, IReadOnlyDictionary<string, long> Recovered, IReadOnlyList<string> Problems);

/// <summary>
/// Checks a store and repairs a damaged one: the damaged file (with its WAL) is moved aside, never deleted, and a new
/// store is filled with every row still readable. The broker then starts from what was recovered, and deletes what
/// no longer hangs together (a delivery whose message was lost).
/// </summary>
public static class StoreDoctor
{
    /// <summary>Runs SQLite's full integrity check and reads the schema version and row counts. Never throws for a damaged file.</summary>
    public static StoreCheckResult Check(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = Path.GetFullPath(path);
        var rows = new Dictionary<string, long>();
        var problems = new List<string>();
        if (!File.Exists(path))
        {
            return new StoreCheckResult(path, false, 0, rows, problems);
        }

        var version = -1;
        try
        {
            using var connection = SqliteStore.Open(path, readOnly: true);
            version = Schema.ReadVersion(connection);
            if (version > Schema.CurrentVersion)
            {
                problems.Add($"schema version {version} is newer than this Starling understands ({Schema.CurrentVersion})");
            }

            problems.AddRange(Pragma(connection, "PRAGMA integrity_check;"));
            if (problems.Count == 0 && version == Schema.CurrentVersion)
            {
                try
                {
                    // Rows SQLite finds sound may still hold a message the broker cannot read.
                    SnapshotReader.Read(connection);
                }
                catch (Exception e) when (e is InvalidDataException or InvalidCastException or ArgumentOutOfRangeException or OverflowException)
                {
                    problems.Add($"unreadable row: {e.Message}");
                }
            }

            foreach (var table in Schema.Tables)
            {
                try
                {
                    rows[table] = Scalar(connection, $"SELECT count(*) FROM {table};");
                }
                catch (SqliteException e)
                {
                    problems.Add($"table {table}: {e.Message}");
                }
            }
        }
        catch (SqliteException e)
        {
            problems.Add(e.Message);
        }

        return new StoreCheckResult(path, true, version, rows, problems);
    }

    /// <summary>
    /// Moves the store at <paramref name="path"/> aside (to <c>{path}.damaged-{UTC time}</c>, with its <c>-wal</c> file)
    /// and writes a new store at <paramref name="path"/> with every row that can still be read.
    /// </summary>
    public static StoreRepairResult Repair(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = Path.GetFullPath(path);
        var recovered = new Dictionary<string, long>();
        var problems = new List<string>();
        if (!File.Exists(path))
        {
            return new StoreRepairResult(path, null, recovered, ["no store file; a new one is created at start-up"]);
        }

        var before = Check(path);
        if (before.SchemaVersion > Schema.CurrentVersion)
        {
            return new StoreRepairResult(path, null, recovered, [$"schema version {before.SchemaVersion} is from a newer Starling: not touched; run that version"]);
        }

        var damaged = $"{path}.damaged-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        var work = damaged + ".reading";
        MoveWithSidecars(path, damaged);
        CopyWithSidecars(damaged, work);
        try
        {
            using var fresh = new SqliteStore(path);
            using var target = SqliteStore.Open(path, readOnly: false);
            try
            {
                using var source = SqliteStore.Open(work, readOnly: false);
                foreach (var table in Schema.Tables)
                {
                    recovered[table] = CopyTable(source, target, table, problems);
                }
            }
            catch (SqliteException e)
            {
                problems.Add($"the damaged file cannot be read at all: {e.Message}");
            }
        }
        finally
        {
            DeleteWithSidecars(work);
        }

        return new StoreRepairResult(path, damaged, recovered, problems);
    }

    internal static string DamagedMessage(string path, string detail) =>
        $"The store {path} is damaged or is not a Starling store ({detail}). Nothing was changed. " +
        $"'starling store check --data-dir {Path.GetDirectoryName(path)}' shows the damage; " +
        $"'starling store repair --data-dir {Path.GetDirectoryName(path)}' moves the file aside and keeps every readable row; " +
        "'starling serve --in-memory' runs without a store.";

    internal static List<string> QuickCheck(SqliteConnection connection) => Pragma(connection, "PRAGMA quick_check;");

    private static List<string> Pragma(SqliteConnection connection, string sql)
    {
        var problems = new List<string>();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var line = reader.GetString(0);
            if (line != "ok")
            {
                problems.Add(line);
            }
        }

        return problems;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static long CopyTable(SqliteConnection source, SqliteConnection target, string table, List<string> problems)
    {
        long copied = 0;
        using var transaction = target.BeginTransaction();
        try
        {
            using var read = source.CreateCommand();
            read.CommandText = $"SELECT * FROM {table};";
            using var reader = read.ExecuteReader();
            using var insert = target.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT OR IGNORE INTO {table} VALUES ({string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(i => "$p" + i))});";
            for (var i = 0; i < reader.FieldCount; i++)
            {
                insert.Parameters.Add(new SqliteParameter("$p" + i, null));
            }

            var skipped = 0;
            while (reader.Read())
            {
                if (!Readable(table, reader))
                {
                    skipped++;
                    continue;
                }

                for (var i = 0; i < reader.FieldCount; i++)
                {
                    insert.Parameters[i].Value = reader.GetValue(i);
                }

                insert.ExecuteNonQuery();
                copied++;
            }

            if (skipped > 0)
            {
                problems.Add($"table {table}: {skipped} rows with an unreadable message left out");
            }
        }
        catch (SqliteException e)
        {
            problems.Add($"table {table}: stopped after {copied} rows: {e.Message}");
        }

        transaction.Commit();
        return copied;
    }

    /// <summary>Whether a row's message (a message body or a session's will) decodes; other rows are taken as they are.</summary>
    private static bool Readable(string table, SqliteDataReader row)
    {
        try
        {
            switch (table)
            {
                case "messages":
                    MessageCodec.Decode((byte[])row["packet"], (Protocol.QualityOfService)Convert.ToInt32(row["qos"], CultureInfo.InvariantCulture), "message");
                    break;
                case "sessions" when row["will"] is byte[] will:
                    MessageCodec.Decode(will, (Protocol.QualityOfService)Convert.ToInt32(row["will_qos"], CultureInfo.InvariantCulture), "will");
                    break;
                default:
                    break;
            }

            return true;
        }
        catch (Exception e) when (e is InvalidDataException or InvalidCastException or FormatException)
        {
            return false;
        }
    }

    private static readonly string[] Sidecars = ["", "-wal", "-shm"];

    private static void MoveWithSidecars(string from, string to)
    {
        foreach (var suffix in Sidecars)
        {
            if (File.Exists(from + suffix))
            {
                File.Move(from + suffix, to + suffix);
            }
        }
    }

    private static void CopyWithSidecars(string from, string to)
    {
        foreach (var suffix in Sidecars)
        {
            if (File.Exists(from + suffix))
            {
                File.Copy(from + suffix, to + suffix, overwrite: true);
            }
        }
    }

    private static void DeleteWithSidecars(string path)
    {
        foreach (var suffix in Sidecars)
        {
            File.Delete(path + suffix);
        }
    }
}
