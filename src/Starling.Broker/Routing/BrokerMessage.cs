using Starling.Protocol.Packets;

namespace Starling.Broker.Routing;

/// <summary>
/// One published message, immutable and shared by every subscriber it reaches: per subscriber only a small
/// <see cref="Delivery"/> is kept.
/// </summary>
internal sealed class BrokerMessage
{
    public BrokerMessage(PublishPacket packet, string? publisherClientId, long nowMilliseconds)
    {
        Packet = packet;
        PublisherClientId = publisherClientId;
        ExpiresAt = packet.MessageExpiryInterval is { } seconds ? nowMilliseconds + (seconds * 1000L) : long.MaxValue;
    }

    private BrokerMessage(long expiresAt, PublishPacket packet, string? publisherClientId)
    {
        Packet = packet;
        PublisherClientId = publisherClientId;
        ExpiresAt = expiresAt;
    }

    /// <summary>A message loaded from the store, with its expiry already on the broker clock.</summary>
    public static BrokerMessage Loaded(PublishPacket packet, string? publisherClientId, long expiresAt) => new(expiresAt, packet, publisherClientId);

    /// <summary>The message as published, its topic resolved (never an alias).</summary>
    public PublishPacket Packet { get; }

    public string Topic => Packet.Topic;

    /// <summary>The client that published it; null when published from code. Used for No Local.</summary>
    public string? PublisherClientId { get; }

    /// <summary>Broker clock (milliseconds) at which the Message Expiry Interval runs out; <see cref="long.MaxValue"/> for never.</summary>
    public long ExpiresAt { get; }

    /// <summary>Encoded size as MQTT 5 (topic, properties, payload): what queue and buffer limits count.</summary>
    public int Size
    {
        get
        {
            if (_size == 0)
            {
                _size = Starling.Protocol.Encoders.PublishEncoder.GetSize(Packet, Starling.Protocol.ProtocolVersion.V500);
            }

            return _size;
        }
    }

    private int _size;

    /// <summary>The id of the stored body while a durable delivery or the retained store refers to it; 0 when not stored. Guarded by the store journal's lock.</summary>
    public long StoreId;

    /// <summary>Durable references to the stored body (deliveries to persistent sessions, the retained topic). Guarded by the store journal's lock.</summary>
    public int StoreReferences;

    public bool IsExpired(long now) => now >= ExpiresAt;

    /// <summary>The Message Expiry Interval to send on: the original less the time spent in the broker [MQTT-3.3.2-6].</summary>
    public uint? RemainingExpiry(long now) =>
        ExpiresAt == long.MaxValue ? null : (uint)Math.Max(1, (ExpiresAt - now + 999) / 1000);
}
