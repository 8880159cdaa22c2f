using Microsoft.Data.Sqlite;
using Starling.Broker.Storage;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Storage.Sqlite;

/// <summary>Reads every table into a <see cref="StoreSnapshot"/>.</summary>
internal static class SnapshotReader
{
    public static StoreSnapshot Read(SqliteConnection connection)
    {
        var snapshot = new StoreSnapshot();
        Each(connection, "SELECT id, client_id, expiry_interval, disconnected_at, will, will_qos, will_due_at FROM sessions", r =>
        {
            var id = r.GetInt64(0);
            var will = r.IsDBNull(4) ? null : MessageCodec.Decode((byte[])r[4], (QualityOfService)r.GetInt32(5), $"the will of session {id}");
            snapshot.Sessions.Add(new StoredSession(id, r.GetString(1), (uint)r.GetInt64(2), MessageCodec.FromUnixMilliseconds(r[3]), will,
                MessageCodec.FromUnixMilliseconds(r[6])));
        });
        Each(connection, "SELECT session_id, filter, qos, no_local, retain_as_published, retain_handling, subscription_id FROM subscriptions", r =>
            snapshot.Subscriptions.Add(new StoredSubscription(r.GetInt64(0), new TopicSubscription(r.GetString(1), (QualityOfService)r.GetInt32(2))
            {
                NoLocal = r.GetInt32(3) != 0,
                RetainAsPublished = r.GetInt32(4) != 0,
                RetainHandling = (RetainHandling)r.GetInt32(5),
            }, r.GetInt32(6))));
        Each(connection, "SELECT id, packet, qos, expires_at, publisher FROM messages", r =>
        {
            var id = r.GetInt64(0);
            var packet = MessageCodec.Decode((byte[])r[1], (QualityOfService)r.GetInt32(2), $"message {id}");
            snapshot.Messages.Add(new StoredMessage(id, packet, MessageCodec.FromUnixMilliseconds(r[3]), r.IsDBNull(4) ? null : r.GetString(4)));
        });
        Each(connection, "SELECT id, session_id, message_id, qos, retain, subscription_ids, packet_id, state FROM deliveries", r =>
            snapshot.Deliveries.Add(new StoredDelivery(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), (QualityOfService)r.GetInt32(3), r.GetInt32(4) != 0,
                MessageCodec.DecodeIds(r.IsDBNull(5) ? null : (byte[])r[5]), (ushort)r.GetInt32(6), (DeliveryState)r.GetInt32(7))));
        Each(connection, "SELECT session_id, packet_id FROM inbound_qos2", r =>
            snapshot.InboundQoS2.Add(new StoredInboundQoS2(r.GetInt64(0), (ushort)r.GetInt32(1))));
        Each(connection, "SELECT topic, message_id FROM retained", r =>
            snapshot.Retained.Add(new StoredRetained(r.GetString(0), r.GetInt64(1))));
        return snapshot;
    }

    private static void Each(SqliteConnection connection, string sql, Action<SqliteDataReader> row)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }
}
