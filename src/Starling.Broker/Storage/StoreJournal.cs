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

    // While a PUBLISH is handled: the changes it records belong to one held acknowledgement (made on the first).
    [ThreadStatic]
    private static bool t_tracking;

    [ThreadStatic]
    private static HeldAck? t_current;

    // Acknowledgements this thread's cancellations made ready, released once the journal lock is left.
    [ThreadStatic]
    private static List<HeldAck>? t_ready;

    private readonly IBrokerStore _store;
    private readonly SyncPolicy _policy;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    // A monitor (not a Lock): a batch swap waits on it for the PUBLISH packets being handled.
    private readonly object _lock = new();
    private int _activePublishes;
    private bool _swapPending;
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly ManualResetEventSlim _urgent = new(false);
    private readonly Thread _writer;
    private StoreBatch _open = new();
    private StoreBatch? _spare = new();
    /// <summary>A batch that released this many acknowledgements marks the broker as busy: the next one gathers.</summary>
    private const int BusyBatch = 64;

    /// <summary>
    /// How long a batch gathers under load before it is written. Acknowledgements of messages that online sessions
    /// acknowledge meanwhile do not wait for it (their changes cancel out and release them); only messages queued for
    /// offline sessions wait up to this much longer, in exchange for far fewer rows written.
    /// </summary>
    private const int GatherMilliseconds = 5;

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

    /// <summary>
    /// Brackets the handling of one QoS 1/2 PUBLISH (called with no lock held): a batch is never cut inside it, so a
    /// PUBLISH's changes (its inbound QoS 2 id, the message, a delivery per persistent session, the retained topic)
    /// are committed together or not at all. A crash between two of them would otherwise lose or duplicate the
    /// message once the client resends it.
    /// </summary>
    public void EnterPublish()
    {
        lock (_lock)
        {
            while (_swapPending)
            {
                Monitor.Wait(_lock);
            }

            _activePublishes++;
        }
    }

    /// <summary>Ends <see cref="EnterPublish"/>.</summary>
    public void ExitPublish()
    {
        lock (_lock)
        {
            if (--_activePublishes == 0 && _swapPending)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>From now on the changes this thread records belong to the PUBLISH being handled.</summary>
    public static void BeginTracking()
    {
        t_tracking = true;
        t_current = null;
    }

    /// <summary>Ends <see cref="BeginTracking"/>: the held acknowledgement of the PUBLISH's changes, or null when it recorded none.</summary>
    public static HeldAck? EndTracking()
    {
        var held = t_current;
        t_tracking = false;
        t_current = null;
        return held;
    }

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
            if (!_open.TryCancelDelivery(id, Ready))
            {
                AddLocked(StoreChange.DeliveryDeleted(id));
            }

            ReleaseReferenceLocked(message);
        }

        ReleaseReady();
    }

    public void AddInbound(long sessionId, ushort packetId) => Append(StoreChange.InboundAdded(sessionId, packetId));

    public void DeleteInbound(long sessionId, ushort packetId)
    {
        lock (_lock)
        {
            if (!_open.TryCancelInbound(sessionId, packetId, Ready))
            {
                AddLocked(StoreChange.InboundDeleted(sessionId, packetId));
            }
        }

        ReleaseReady();
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

        ReleaseReady();
    }

    public void DeleteRetained(BrokerMessage previous)
    {
        lock (_lock)
        {
            AddLocked(StoreChange.RetainedDeleted(previous.Topic));
            ReleaseReferenceLocked(previous);
        }

        ReleaseReady();
    }

    /// <summary>Counts a reference made while loading: the message is stored already.</summary>
    public static void AddLoadedReference(BrokerMessage message, long storeId)
    {
        message.StoreId = storeId;
        message.StoreReferences++;
    }

    /// <summary>
    /// Takes a held acknowledgement (its connection has queued it already): ready at once when all its changes were
    /// undone meanwhile, else at the commit of the batch open now (which holds or follows all its changes).
    /// </summary>
    public void Hold(HeldAck held)
    {
        bool readyNow;
        lock (_lock)
        {
            held.Registered = true;
            readyNow = !held.WaitsForCommit && held.Outstanding == 0;
            if (!readyNow)
            {
                _open.Acks.Add(held);
            }
        }

        if (readyNow)
        {
            held.Ready = true;
            held.Connection!.ReleaseHeldAcks();
            return;
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

    private static List<HeldAck> Ready => t_ready ??= [];

    private static void ReleaseReady()
    {
        var ready = t_ready;
        if (ready is null || ready.Count == 0)
        {
            return;
        }

        foreach (var held in ready)
        {
            held.Ready = true;
            held.Connection!.ReleaseHeldAcks();
        }

        ready.Clear();
    }

    private void AddLocked(in StoreChange change)
    {
        _open.Add(change, t_tracking ? t_current ??= new HeldAck(waitsForCommit: false) : null);
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
            if (!_open.TryCancelMessage(message.StoreId, Ready))
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
            // Under load, let the batch gather: online subscribers acknowledge most deliveries within it, and a
            // delivery acknowledged before its batch is written is never written at all. At light load the batch is
            // committed at once: the sync is cheap and latency matters more.
            Thread.Sleep(GatherMilliseconds);
        }

        StoreBatch batch;
        lock (_lock)
        {
            // Wait for the PUBLISH packets being handled to finish recording (microseconds); new ones wait for the swap.
            _swapPending = true;
            while (_activePublishes > 0)
            {
                Monitor.Wait(_lock);
            }

            batch = _open;
            _open = _spare ?? new StoreBatch();
            _spare = null;
            _backlogged = false;
            _swapPending = false;
            Monitor.PulseAll(_lock);
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
            foreach (var held in batch.Acks)
            {
                held.Ready = true;
                held.Connection!.ReleaseHeldAcks();
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
