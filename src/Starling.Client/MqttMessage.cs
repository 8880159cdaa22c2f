using System.Text;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client;

/// <summary>
/// An application message, as published or as received. The MQTT 5.0 properties are ignored (not sent) when the
/// connection uses MQTT 3.1 or 3.1.1.
/// </summary>
public sealed class MqttMessage
{
    /// <summary>The topic name (no wildcards).</summary>
    public required string Topic { get; init; }

    /// <summary>The payload bytes; may be empty.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>Quality of service: as requested when publishing, as delivered when received.</summary>
    public QualityOfService QoS { get; init; }

    /// <summary>Retain flag.</summary>
    public bool Retain { get; init; }

    /// <summary>Received only: the broker set DUP, this may be a redelivery [MQTT-3.3.1-1].</summary>
    public bool Duplicate { get; init; }

    /// <summary>MQTT 5.0 Payload Format Indicator.</summary>
    public PayloadFormatIndicator? PayloadFormat { get; init; }

    /// <summary>MQTT 5.0 Message Expiry Interval in seconds.</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Content Type.</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5.0 Response Topic (request/response).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5.0 Correlation Data (request/response).</summary>
    public byte[]? CorrelationData { get; init; }

    /// <summary>MQTT 5.0 User Properties, in order.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; init; } = [];

    /// <summary>Received only: the MQTT 5.0 Subscription Identifiers of the subscriptions that matched.</summary>
    public IReadOnlyList<int> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>The payload decoded as UTF-8.</summary>
    public string PayloadAsString() => Encoding.UTF8.GetString(Payload.Span);

    /// <summary>A message with a UTF-8 payload.</summary>
    public static MqttMessage Create(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QoS = qos, Retain = retain };

    /// <summary>
    /// The reply to a request received with a Response Topic: published to that topic with the request's Correlation
    /// Data, so the requester can match it.
    /// </summary>
    /// <exception cref="ArgumentException">The request has no Response Topic.</exception>
    public static MqttMessage CreateResponse(MqttMessage request, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtLeastOnce)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.ResponseTopic))
        {
            throw new ArgumentException("The request has no Response Topic.", nameof(request));
        }

        return new MqttMessage { Topic = request.ResponseTopic, Payload = payload, QoS = qos, CorrelationData = request.CorrelationData };
    }

    internal PublishPacket ToPacket() => new()
    {
        Topic = Topic,
        Payload = Payload,
        QoS = QoS,
        Retain = Retain,
        PayloadFormat = PayloadFormat,
        MessageExpiryInterval = MessageExpiryInterval,
        ContentType = ContentType,
        ResponseTopic = ResponseTopic,
        CorrelationData = CorrelationData,
        UserProperties = UserProperties,
    };

    internal static MqttMessage FromPacket(PublishPacket packet, string topic) => new()
    {
        Topic = topic,
        Payload = packet.Payload,
        QoS = packet.QoS,
        Retain = packet.Retain,
        Duplicate = packet.Dup,
        PayloadFormat = packet.PayloadFormat,
        MessageExpiryInterval = packet.MessageExpiryInterval,
        ContentType = packet.ContentType,
        ResponseTopic = packet.ResponseTopic,
        CorrelationData = packet.CorrelationData,
        UserProperties = packet.UserProperties,
        SubscriptionIdentifiers = packet.SubscriptionIdentifiers,
    };
}
