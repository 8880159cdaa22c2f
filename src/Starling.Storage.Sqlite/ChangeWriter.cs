using Microsoft.Data.Sqlite;
using Starling.Broker.Storage;

namespace Starling.Storage.Sqlite;

/// <summary>
/// Applies a batch of store changes in one transaction with prepared statements reused for every batch. Message
/// bodies and deliveries are inserted and deleted in bulk (<see cref="BulkWriter"/>), the rest one by one in order.
/// Moving them is safe because their ids are never reused: a delete in a batch refers to a row of an earlier batch
/// (an insert and delete within one batch cancel out before they get here), and a session's deliveries in a batch
/// precede nothing that deletes them (ending a session first releases its deliveries, cancelling pending inserts).
/// </summary>
internal sealed class ChangeWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _saveSession;
    private readonly SqliteCommand _deleteSession;
    private readonly SqliteCommand _saveSubscription;
    private readonly SqliteCommand _deleteSubscription;
    private readonly SqliteCommand _addMessage;
    private readonly SqliteCommand _deleteMessage;
    private readonly SqliteCommand _addDelivery;
    private readonly SqliteCommand _updateDelivery;
    private readonly SqliteCommand _deleteDelivery;
    private readonly SqliteCommand _addInbound;
    private readonly SqliteCommand _deleteInbound;
    private readonly SqliteCommand _setRetained;
    private readonly SqliteCommand _deleteRetained;
    private readonly List<SqliteCommand> _all = [];
    private readonly BulkWriter _bulk;
    private readonly List<StoredMessage> _newMessages = [];
    private readonly List<StoreChange> _newDeliveries = [];
    private readonly List<long> _goneDeliveries = [];
    private readonly List<long> _goneMessages = [];
    private readonly List<StoreChange> _updatedDeliveries = [];

    public ChangeWriter(SqliteConnection connection)
    {
        _connection = connection;
        _saveSession = Prepare("INSERT OR REPLACE INTO sessions (id, client_id, expiry_interval, disconnected_at, will, will_qos, will_due_at) VALUES ($a, $b, $c, $d, $e, $f, $g)", 7);
        _deleteSession = Prepare(
            "DELETE FROM sessions WHERE id = $a; DELETE FROM subscriptions WHERE session_id = $a; DELETE FROM deliveries WHERE session_id = $a; DELETE FROM inbound_qos2 WHERE session_id = $a", 1);
        _saveSubscription = Prepare(
            "INSERT OR REPLACE INTO subscriptions (session_id, filter, qos, no_local, retain_as_published, retain_handling, subscription_id) VALUES ($a, $b, $c, $d, $e, $f, $g)", 7);
        _deleteSubscription = Prepare("DELETE FROM subscriptions WHERE session_id = $a AND filter = $b", 2);
        _addMessage = Prepare("INSERT OR REPLACE INTO messages (id, packet, qos, expires_at, publisher) VALUES ($a, $b, $c, $d, $e)", 5);
        _deleteMessage = Prepare("DELETE FROM messages WHERE id = $a", 1);
        _addDelivery = Prepare(
            "INSERT OR REPLACE INTO deliveries (id, session_id, message_id, qos, retain, subscription_ids, packet_id, state) VALUES ($a, $b, $c, $d, $e, $f, $g, $h)", 8);
        _updateDelivery = Prepare("UPDATE deliveries SET packet_id = $b, state = $c WHERE id = $a", 3);
        _deleteDelivery = Prepare("DELETE FROM deliveries WHERE id = $a", 1);
        _addInbound = Prepare("INSERT OR IGNORE INTO inbound_qos2 (session_id, packet_id) VALUES ($a, $b)", 2);
        _deleteInbound = Prepare("DELETE FROM inbound_qos2 WHERE session_id = $a AND packet_id = $b", 2);
        _setRetained = Prepare("INSERT OR REPLACE INTO retained (topic, message_id) VALUES ($a, $b)", 2);
        _deleteRetained = Prepare("DELETE FROM retained WHERE topic = $a", 1);
        _bulk = new BulkWriter(connection);
    }

    public void Write(IReadOnlyList<StoreChange> changes)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var command in _all)
        {
            command.Transaction = transaction;
        }

        _bulk.SetTransaction(transaction);
        _newMessages.Clear();
        _newDeliveries.Clear();
        _goneDeliveries.Clear();
        _goneMessages.Clear();
        _updatedDeliveries.Clear();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            switch (change.Kind)
            {
                case StoreChangeKind.MessageAdded:
                    _newMessages.Add(change.Message);
                    break;
                case StoreChangeKind.DeliveryAdded:
                    _newDeliveries.Add(change);
                    break;
                case StoreChangeKind.DeliveryDeleted:
                    _goneDeliveries.Add(change.Id);
                    break;
                case StoreChangeKind.MessageDeleted:
                    _goneMessages.Add(change.Id);
                    break;
                case StoreChangeKind.DeliveryUpdated:
                    _updatedDeliveries.Add(change);
                    break;
                case StoreChangeKind.SessionDeleted:
                    // Its cascade must see the session's deliveries written so far in this batch.
                    FlushBulk();
                    Apply(change);
                    break;
                default:
                    Apply(change);
                    break;
            }
        }

        FlushBulk();
        transaction.Commit();
    }

    /// <summary>Writes the gathered bulk changes: inserts, then updates, then deletes (the only order ids allow).</summary>
    private void FlushBulk()
    {
        _bulk.InsertMessages(_newMessages);
        _bulk.InsertDeliveries(_newDeliveries);
        foreach (var update in _updatedDeliveries)
        {
            Apply(update);
        }

        _bulk.DeleteDeliveries(_goneDeliveries);
        _bulk.DeleteMessages(_goneMessages);
        _newMessages.Clear();
        _newDeliveries.Clear();
        _updatedDeliveries.Clear();
        _goneDeliveries.Clear();
        _goneMessages.Clear();
    }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }

        _bulk.Dispose();
    }

    private void Apply(in StoreChange change)
    {
        switch (change.Kind)
        {
            case StoreChangeKind.SessionSaved:
                var session = change.Session;
                Run(_saveSession, session.Id, session.ClientId, (long)session.ExpiryInterval, MessageCodec.ToUnixMilliseconds(session.DisconnectedAt),
                    session.Will is null ? null : MessageCodec.Encode(session.Will), (long)(session.Will?.QoS ?? 0), MessageCodec.ToUnixMilliseconds(session.WillDueAt));
                break;
            case StoreChangeKind.SessionDeleted:
                Run(_deleteSession, change.SessionId);
                break;
            case StoreChangeKind.SubscriptionSaved:
                var subscription = change.Subscription;
                var options = subscription.Options;
                Run(_saveSubscription, subscription.SessionId, options.TopicFilter, (long)options.MaximumQoS, options.NoLocal ? 1L : 0L,
                    options.RetainAsPublished ? 1L : 0L, (long)options.RetainHandling, (long)subscription.SubscriptionId);
                break;
            case StoreChangeKind.SubscriptionDeleted:
                Run(_deleteSubscription, change.SessionId, change.Text);
                break;
            case StoreChangeKind.MessageAdded:
                var message = change.Message;
                Run(_addMessage, message.Id, MessageCodec.Encode(message.Packet), (long)message.Packet.QoS, MessageCodec.ToUnixMilliseconds(message.ExpiresAt),
                    message.PublisherClientId);
                break;
            case StoreChangeKind.MessageDeleted:
                Run(_deleteMessage, change.Id);
                break;
            case StoreChangeKind.DeliveryAdded:
                Run(_addDelivery, change.Id, change.SessionId, change.MessageId, (long)change.QoS, change.Retain ? 1L : 0L,
                    MessageCodec.EncodeIds(change.SubscriptionIds), (long)change.PacketId, (long)change.State);
                break;
            case StoreChangeKind.DeliveryUpdated:
                Run(_updateDelivery, change.Id, (long)change.PacketId, (long)change.State);
                break;
            case StoreChangeKind.DeliveryDeleted:
                Run(_deleteDelivery, change.Id);
                break;
            case StoreChangeKind.InboundAdded:
                Run(_addInbound, change.SessionId, (long)change.PacketId);
                break;
            case StoreChangeKind.InboundDeleted:
                Run(_deleteInbound, change.SessionId, (long)change.PacketId);
                break;
            case StoreChangeKind.RetainedSet:
                Run(_setRetained, change.Text, change.MessageId);
                break;
            case StoreChangeKind.RetainedDeleted:
                Run(_deleteRetained, change.Text);
                break;
            case StoreChangeKind.None:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change.Kind, "Unknown store change.");
        }
    }

    private SqliteCommand Prepare(string sql, int parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++)
        {
            command.Parameters.Add(new SqliteParameter("$" + (char)('a' + i), null));
        }

        _all.Add(command);
        return command;
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
    }
}
