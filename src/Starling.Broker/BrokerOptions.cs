using Starling.Protocol;

namespace Starling.Broker;

/// <summary>How shared subscription groups pick the member that receives a message.</summary>
public enum SharedSubscriptionStrategy
{
    /// <summary>Members take turns.</summary>
    RoundRobin,

    /// <summary>A member chosen at random.</summary>
    Random,

    /// <summary>The same member while it stays connected.</summary>
    Sticky,
}

/// <summary>The broker's limits and capabilities. Defaults suit a general-purpose broker.</summary>
public sealed class BrokerOptions
{
    /// <summary>Largest packet accepted from a client, and announced to MQTT 5 clients as Maximum Packet Size.</summary>
    public int MaximumPacketSize { get; set; } = 1024 * 1024;

    /// <summary>A connection that has not sent a complete CONNECT within this time is closed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest client identifier accepted.</summary>
    public int MaximumClientIdLength { get; set; } = 1024;

    /// <summary>
    /// Largest keep alive allowed, in seconds; 0 for no limit. MQTT 5 clients asking for more (or for 0) are told this
    /// value as Server Keep Alive; MQTT 3.x clients cannot be told and are accepted as they ask.
    /// </summary>
    public ushort MaximumKeepAlive { get; set; }

    /// <summary>Unacknowledged inbound QoS 1/2 messages a client may have in flight (Receive Maximum announced to MQTT 5 clients).</summary>
    public ushort ReceiveMaximum { get; set; } = 1024;

    /// <summary>Topic aliases an MQTT 5 client may use towards the broker (Topic Alias Maximum announced in CONNACK).</summary>
    public ushort TopicAliasMaximum { get; set; } = 64;

    /// <summary>Unacknowledged outbound QoS 1/2 messages per client; an MQTT 5 client may ask for fewer with Receive Maximum.</summary>
    public ushort MaximumInflightMessages { get; set; } = 100;

    /// <summary>Messages a session may hold queued (offline, or beyond its in-flight window); newer ones are dropped and counted.</summary>
    public int MaximumQueuedMessages { get; set; } = 10_000;

    /// <summary>Payload bytes a session may hold queued; newer messages are dropped and counted.</summary>
    public long MaximumQueuedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Topic filters one session may hold; a SUBSCRIBE beyond it gets 0x97 Quota exceeded (0x80 on 3.1.1) for the extra filters.</summary>
    public int MaximumSubscriptionsPerSession { get; set; } = 10_000;

    /// <summary>Queue QoS 0 messages for offline persistent sessions too (Mosquitto's <c>queue_qos0_messages</c>).</summary>
    public bool QueueQoS0Messages { get; set; }

    /// <summary>
    /// Bytes of QoS 0 messages waiting to be written to one slow connection before further QoS 0 messages to it are
    /// dropped and counted. QoS 1/2 are bounded by the in-flight window and the session queue instead.
    /// </summary>
    public long MaximumOutboundBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Time a client has to send PUBREL after PUBREC before it is disconnected; <see cref="TimeSpan.Zero"/> turns it off.</summary>
    public TimeSpan PubRelTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest Session Expiry Interval granted, in seconds.</summary>
    public uint MaximumSessionExpiryInterval { get; set; } = uint.MaxValue;

    /// <summary>Highest QoS the broker supports.</summary>
    public QualityOfService MaximumQoS { get; set; } = QualityOfService.ExactlyOnce;

    /// <summary>Topics that may hold a retained message; a retained PUBLISH to a new topic beyond it is not retained (it is still delivered).</summary>
    public int MaximumRetainedMessages { get; set; } = 1_000_000;

    /// <summary>Whether retained messages are supported.</summary>
    public bool RetainAvailable { get; set; } = true;

    /// <summary>
    /// Response Information returned to MQTT 5 clients that set Request Response Information (the basis of their
    /// response topics, e.g. <c>responses/</c>); null sends none, which the specification allows.
    /// </summary>
    public string? ResponseInformation { get; set; }

    /// <summary>How shared subscription groups distribute messages.</summary>
    public SharedSubscriptionStrategy SharedSubscriptionStrategy { get; set; } = SharedSubscriptionStrategy.RoundRobin;

    /// <summary>
    /// With a durable store: whether QoS 1/2 acknowledgements wait for the disk (<see cref="Storage.SyncPolicy.Always"/>,
    /// the default: nothing acknowledged is lost), or changes are synced every <see cref="SyncInterval"/>
    /// (<see cref="Storage.SyncPolicy.Periodic"/>), or written without syncing (<see cref="Storage.SyncPolicy.None"/>).
    /// </summary>
    public Storage.SyncPolicy Sync { get; set; } = Storage.SyncPolicy.Always;

    /// <summary>How often <see cref="Storage.SyncPolicy.Periodic"/> commits and syncs.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a graceful stop waits for connections to close after DISCONNECT 0x8B.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Check(MaximumPacketSize is >= 64 and <= 268_435_460, nameof(MaximumPacketSize), "must be between 64 and 268,435,460 bytes");
        Check(ConnectTimeout > TimeSpan.Zero, nameof(ConnectTimeout), "must be positive");
        Check(MaximumClientIdLength is >= 23 and <= 65_535, nameof(MaximumClientIdLength), "must be between 23 and 65,535");
        Check(ReceiveMaximum > 0, nameof(ReceiveMaximum), "must be at least 1");
        Check(MaximumInflightMessages > 0, nameof(MaximumInflightMessages), "must be at least 1");
        Check(MaximumQueuedMessages >= 0, nameof(MaximumQueuedMessages), "must not be negative");
        Check(MaximumSubscriptionsPerSession >= 1, nameof(MaximumSubscriptionsPerSession), "must be at least 1");
        Check(MaximumRetainedMessages >= 0, nameof(MaximumRetainedMessages), "must not be negative");
        Check(MaximumQueuedBytes >= 0, nameof(MaximumQueuedBytes), "must not be negative");
        Check(MaximumOutboundBytes >= 1024, nameof(MaximumOutboundBytes), "must be at least 1024");
        Check(PubRelTimeout >= TimeSpan.Zero, nameof(PubRelTimeout), "must not be negative");
        Check(ShutdownTimeout >= TimeSpan.Zero, nameof(ShutdownTimeout), "must not be negative");
        Check(Enum.IsDefined(MaximumQoS), nameof(MaximumQoS), "must be 0, 1 or 2");
        Check(Enum.IsDefined(Sync), nameof(Sync), "must be Always, Periodic or None");
        Check(SyncInterval > TimeSpan.Zero && SyncInterval <= TimeSpan.FromMinutes(10), nameof(SyncInterval), "must be between 1 ms and 10 minutes");
        Check(Enum.IsDefined(SharedSubscriptionStrategy), nameof(SharedSubscriptionStrategy), "must be RoundRobin, Random or Sticky");
    }

    private static void Check(bool valid, string name, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException($"Broker setting {name} {rule}.", name);
        }
    }
}
