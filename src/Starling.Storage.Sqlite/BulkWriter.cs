using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Starling.Broker.Storage;

namespace Starling.Storage.Sqlite;

/// <summary>
/// The frequent changes written many rows per statement: message bodies and deliveries inserted with multi-row
/// VALUES, deleted with one <c>IN (json_each(...))</c> per batch. Statement overhead, not the disk, is what limits
/// a group commit of thousands of changes.
/// </summary>
internal sealed class BulkWriter : IDisposable
{
    private const int RowsPerStatement = 64;

    private readonly SqliteCommand _messages;
    private readonly SqliteCommand _message;
    private readonly SqliteCommand _deliveries;
    private readonly SqliteCommand _delivery;
    private readonly SqliteCommand _deleteDeliveries;
    private readonly SqliteCommand _deleteMessages;
    private readonly StringBuilder _ids = new();

    public BulkWriter(SqliteConnection connection)
    {
        _messages = Insert(connection, "messages (id, packet, qos, expires_at, publisher)", 5, RowsPerStatement);
        _message = Insert(connection, "messages (id, packet, qos, expires_at, publisher)", 5, 1);
        _deliveries = Insert(connection, "deliveries (id, session_id, message_id, qos, retain, subscription_ids, packet_id, state)", 8, RowsPerStatement);
        _delivery = Insert(connection, "deliveries (id, session_id, message_id, qos, retain, subscription_ids, packet_id, state)", 8, 1);
        _deleteDeliveries = Delete(connection, "deliveries");
        _deleteMessages = Delete(connection, "messages");
    }

    public void SetTransaction(SqliteTransaction transaction)
    {
        foreach (var command in Commands)
        {
            command.Transaction = transaction;
        }
    }

    public void InsertMessages(List<StoredMessage> messages) =>
        InsertRows(messages, _messages, _message, 5, static (message, values, offset) =>
        {
            values[offset].Value = message.Id;
            values[offset + 1].Value = MessageCodec.Encode(message.Packet);
            values[offset + 2].Value = (long)message.Packet.QoS;
            values[offset + 3].Value = (object?)MessageCodec.ToUnixMilliseconds(message.ExpiresAt) ?? DBNull.Value;
            values[offset + 4].Value = (object?)message.PublisherClientId ?? DBNull.Value;
        });

    public void InsertDeliveries(List<StoreChange> deliveries) =>
        InsertRows(deliveries, _deliveries, _delivery, 8, static (change, values, offset) =>
        {
            values[offset].Value = change.Id;
            values[offset + 1].Value = change.SessionId;
            values[offset + 2].Value = change.MessageId;
            values[offset + 3].Value = (long)change.QoS;
            values[offset + 4].Value = change.Retain ? 1L : 0L;
            values[offset + 5].Value = (object?)MessageCodec.EncodeIds(change.SubscriptionIds) ?? DBNull.Value;
            values[offset + 6].Value = (long)change.PacketId;
            values[offset + 7].Value = (long)change.State;
        });

    public void DeleteDeliveries(List<long> ids) => DeleteIds(_deleteDeliveries, ids);

    public void DeleteMessages(List<long> ids) => DeleteIds(_deleteMessages, ids);

    public void Dispose()
    {
        foreach (var command in Commands)
        {
            command.Dispose();
        }
    }

    private IEnumerable<SqliteCommand> Commands => [_messages, _message, _deliveries, _delivery, _deleteDeliveries, _deleteMessages];

    private static void InsertRows<T>(List<T> rows, SqliteCommand many, SqliteCommand one, int columns, Action<T, SqliteParameterCollection, int> bind)
    {
        var index = 0;
        for (; index + RowsPerStatement <= rows.Count; index += RowsPerStatement)
        {
            for (var row = 0; row < RowsPerStatement; row++)
            {
                bind(rows[index + row], many.Parameters, row * columns);
            }

            many.ExecuteNonQuery();
        }

        for (; index < rows.Count; index++)
        {
            bind(rows[index], one.Parameters, 0);
            one.ExecuteNonQuery();
        }
    }

    private void DeleteIds(SqliteCommand command, List<long> ids)
    {
        if (ids.Count == 0)
        {
            return;
        }

        _ids.Clear().Append('[');
        for (var i = 0; i < ids.Count; i++)
        {
            _ids.Append(i == 0 ? "" : ",").Append(ids[i].ToString(CultureInfo.InvariantCulture));
        }

        command.Parameters[0].Value = _ids.Append(']').ToString();
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Insert(SqliteConnection connection, string target, int columns, int rows)
    {
        var command = connection.CreateCommand();
        var sql = new StringBuilder($"INSERT OR REPLACE INTO {target} VALUES ");
        for (var row = 0; row < rows; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < columns; column++)
            {
                var name = $"$p{(row * columns) + column}";
                sql.Append(column == 0 ? name : ", " + name);
                command.Parameters.Add(new SqliteParameter(name, null));
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        return command;
    }

    private static SqliteCommand Delete(SqliteConnection connection, string table)
    {
        var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM {table} WHERE id IN (SELECT value FROM json_each($ids))";
        command.Parameters.Add(new SqliteParameter("$ids", null));
        return command;
    }
}
