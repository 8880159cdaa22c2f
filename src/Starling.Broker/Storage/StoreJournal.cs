using Microsoft.Extensions.Logging;
using Starling.Broker.Diagnostics;
using Starling.Broker.Routing;

namespace Starling.Broker.Storage;

/// <summary>
/// The broker's side of the store: the engine records every change of durable state here (a short, leaf lock; the
/// engine never waits for the disk), and one writer thread hands each batch gathered meanwhile to the
/// <see cref="IBrokerStore"/> in one transaction (group commit), then releases the acknowledgements that waited for it.
/// It also counts references to message bodies, so each body is stored once and deleted with its last reference.
/// </summary>
internal sealed class StoreJournal : IDisposable
{
    /// <summary>Changes waiting beyond this make acknowledgements wait whatever the policy, which bounds memory.</summary>
    private const int BacklogLimit = 100_000;

    [ThreadStatic]
    private static int t_appended;

    private readonly IBrokerStore _store;
    private readonly SyncPolicy _policy;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly ManualResetEventSlim _urgent = new(false);
    private readonly Thread _writer;
    private StoreBatch _open = new();
    private StoreBatch? _spare = new();
    /// <summary>A batch that released this many acknowledgements marks the broker as busy: the next one gathers.</summary>
    private const int BusyBatch = 64;

    private int _lastBatchAcks;

    private long _lastSessionId;
    private long _lastMessageId;
    private long _lastDeliveryId;
    private volatile bool _backlogged;
    private volatile bool _stopping;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StoreJournal(IBrokerStore store, SyncPolicy policy, TimeSpan interval, ILogger logger)
    {
        _store = store;
        _policy = policy;
        _interval = interval;
        _logger = logger;
        _writer = new Thread(RunWriter) { IsBackground = true, Name = "Starling store writer" };
    }

    public IBrokerStore Store => _store;

    /// <summary>Whether a QoS 1/2 acknowledgement that depends on changes must wait for them to be stored.</summary>
    public bool AcksWait => _policy == SyncPolicy.Always || _backlogged;

    /// <summary>Starts counting the changes the current thread records (around handling one PUBLISH).</summary>
    public static void ResetAppended() => t_appended = 0;

    /// <summary>Whether the current thread recorded a change since <see cref="ResetAppended"/>.</summary>
    public static bool AppendedOnThisThread => t_appended > 0;

    /// <summary>Continues the id sequences after what a loaded store holds.</summary>
    public void StartAfter(long sessionId, long messageId, long deliveryId)
    {
        _lastSessionId = sessionId;
        _lastMessageId = messageId;
        _lastDeliveryId = deliveryId;
    }

    public void Start() => _writer.Start();

    public long NewSessionId() => Interlocked.Increment(ref _lastSessionId);

    /// <summary>Records a change as it is (clean-up of rows found inconsistent at start-up).</summary>
    public void Record(in StoreChange change) => Append(change);

    public void SaveSession(StoredSession session) => Append(StoreChange.SessionSaved(session));

    public void DeleteSession(long sessionId) => Append(StoreChange.SessionDeleted(sessionId));

    public void SaveSubscription(StoredSubscription subscription) => Append(StoreChange.SubscriptionSaved(subscription));

    public void DeleteSubscription(long sessionId, string filter) => Append(StoreChange.SubscriptionDeleted(sessionId, filter));

    /// <summary>Records a message held for a session; returns the delivery id to update and release it by.</summary>
    public long AddDelivery(long sessionId, in Delivery delivery, ushort packetId, DeliveryState state)
    {
        lock (_lock)
        {
            var message = delivery.Message;
            AddReferenceLocked(message);
            var id = ++_lastDeliveryId;
            AddLocked(StoreChange.DeliveryAdded(id, sessionId, message.StoreId, delivery.QoS, delivery.Retain, delivery.SubscriptionIds.Array, packetId, state));
            return id;
        }
    }

    public void UpdateDelivery(long id, ushort packetId, DeliveryState state)
    {
        lock (_lock)
        {
            if (!_open.TryUpdatePendingDelivery(id, packetId, state))
            {
                AddLocked(StoreChange.DeliveryUpdated(id, packetId, state));
            }
        }
    }

    /// <summary>Forgets a delivery (acknowledged, expired, dropped or its session ended), and its message with its last reference.</summary>
    public void ReleaseDelivery(long id, BrokerMessage message)
    {
        lock (_lock)
        {
            if (!_open.TryCancelDelivery(id))
            {
                AddLocked(StoreChange.DeliveryDeleted(id));
            }

            ReleaseReferenceLocked(message);
        }
    }

    public void AddInbound(long sessionId, ushort packetId) => Append(StoreChange.InboundAdded(sessionId, packetId));

    public void DeleteInbound(long sessionId, ushort packetId)
    {
        lock (_lock)
        {
            if (!_open.TryCancelInbound(sessionId, packetId))
            {
                AddLocked(StoreChange.InboundDeleted(sessionId, packetId));
            }
        }
    }

    /// <summary>Records <paramref name="message"/> as its topic's retained message, replacing <paramref name="previous"/>.</summary>
    public void SetRetained(BrokerMessage message, BrokerMessage? previous)
    {
        lock (_lock)
        {
            AddReferenceLocked(message);
            AddLocked(StoreChange.RetainedSet(message.Topic, message.StoreId));
            if (previous is not null)
            {
                ReleaseReferenceLocked(previous);
            }
        }
    }

    public void DeleteRetained(BrokerMessage previous)
    {
        lock (_lock)
        {
            AddLocked(StoreChange.RetainedDeleted(previous.Topic));
            ReleaseReferenceLocked(previous);
        }
    }

    /// <summary>Counts a reference made while loading: the message is stored already.</summary>
    public static void AddLoadedReference(BrokerMessage message, long storeId)
    {
        message.StoreId = storeId;
        message.StoreReferences++;
    }

    /// <summary>Holds an acknowledgement until the changes recorded so far are stored.</summary>
    public void DeferAck(in PendingAck ack)
    {
        lock (_lock)
        {
            _open.Acks.Add(ack);
        }

        _wake.Set();
        if (_policy == SyncPolicy.Periodic)
        {
            // Someone is waiting: do not sit out the interval.
            _urgent.Set();
        }
    }

    /// <summary>Writes what is pending and stops the writer (after the last connection closed).</summary>
    public Task StopAsync()
    {
        _stopping = true;
        _urgent.Set();
        _wake.Set();
        return _writer.IsAlive ? _stopped.Task : Task.CompletedTask;
    }

    public void Dispose()
    {
        if (!_writer.IsAlive)
        {
            _wake.Dispose();
            _urgent.Dispose();
        }
    }

    private void Append(in StoreChange change)
    {
        lock (_lock)
        {
            AddLocked(change);
        }
    }

    private void AddLocked(in StoreChange change)
    {
        _open.Add(change);
        t_appended++;
        if (_open.LiveChanges == 1)
        {
            _wake.Set();
        }
        else if (_open.LiveChanges > BacklogLimit && !_backlogged)
        {
            _backlogged = true;
            _urgent.Set();
        }
    }

    private void AddReferenceLocked(BrokerMessage message)
    {
        if (message.StoreReferences++ == 0)
        {
            message.StoreId = ++_lastMessageId;
            var expiresAt = message.ExpiresAt == long.MaxValue
                ? (DateTimeOffset?)null
                : DateTimeOffset.UtcNow.AddMilliseconds(message.ExpiresAt - Environment.TickCount64);
            AddLocked(StoreChange.MessageAdded(new StoredMessage(message.StoreId, message.Packet, expiresAt, message.PublisherClientId)));
        }
    }

    private void ReleaseReferenceLocked(BrokerMessage message)
    {
        if (--message.StoreReferences == 0)
        {
            if (!_open.TryCancelMessage(message.StoreId))
            {
                AddLocked(StoreChange.MessageDeleted(message.StoreId));
            }

            message.StoreId = 0;
        }
    }

    private void RunWriter()
    {
        var live = new List<StoreChange>();
        while (true)
        {
            try
            {
                if (WriteNextBatch(live))
                {
                    _stopped.TrySetResult();
                    return;
                }
            }
#pragma warning disable CA1031 // The writer thread must outlive a bug in one batch: its acknowledgements stay held, the next batch goes on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                BrokerLog.StoreWriteFailed(_logger, e, _store.Description, live.Count);
            }
        }
    }

    /// <summary>Waits for changes, writes them and releases their acknowledgements; true when the journal stopped.</summary>
    private bool WriteNextBatch(List<StoreChange> live)
    {
        _wake.Wait();
        _wake.Reset();
        if (_policy == SyncPolicy.Periodic && !_stopping)
        {
            _urgent.Wait(_interval);
            _urgent.Reset();
        }
        else if (_policy == SyncPolicy.Always && !_stopping && _lastBatchAcks >= BusyBatch)
        {
            // Under load, let the batch gather for a moment (a millisecond: the timer's grain): online subscribers
            // acknowledge most deliveries within it, and a delivery acknowledged before its batch is written is never
            // written at all. At light load the batch is committed at once: the sync is cheap, latency matters more.
            Thread.Sleep(1);
        }

        StoreBatch batch;
        lock (_lock)
        {
            batch = _open;
            _open = _spare ?? new StoreBatch();
            _spare = null;
            _backlogged = false;
        }

        live.Clear();
        var stored = true;
        if (batch.LiveChanges > 0)
        {
            batch.CopyLiveChanges(live);
            stored = Write(live);
        }

        _lastBatchAcks = batch.Acks.Count;

        // A batch given up at shutdown releases nothing: its acknowledgements would promise what is not stored.
        if (stored)
        {
            foreach (var ack in batch.Acks)
            {
                ack.Connection.CompleteDeferredAck(ack);
            }
        }

        batch.Clear();
        lock (_lock)
        {
            _spare = batch;
            return _stopping && _open.IsEmpty;
        }
    }

    private bool Write(List<StoreChange> changes)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _store.Write(changes);
                return true;
            }
#pragma warning disable CA1031 // A failing disk must not kill the writer: acknowledgements stay held and the write is retried.
            catch (Exception e)
#pragma warning restore CA1031
            {
                BrokerLog.StoreWriteFailed(_logger, e, _store.Description, changes.Count);
                if (_stopping && attempt >= 3)
                {
                    BrokerLog.StoreChangesLost(_logger, _store.Description, changes.Count);
                    return false;
                }

                Thread.Sleep(Math.Min(attempt, 5) * 200);
            }
        }
    }
}
