using Starling.Protocol.Packets;

namespace Starling.Broker.Sessions;

/// <summary>A will as the PUBLISH it becomes when it is published [MQTT-3.1.2-8].</summary>
internal static class WillPublication
{
    public static PublishPacket ToPacket(WillMessage will) => new()
    {
        Topic = will.Topic,
        Payload = will.Payload,
        QoS = will.QoS,
        Retain = will.Retain,
        PayloadFormat = will.PayloadFormat,
        MessageExpiryInterval = will.MessageExpiryInterval,
        ContentType = will.ContentType,
        ResponseTopic = will.ResponseTopic,
        CorrelationData = will.CorrelationData,
        UserProperties = will.UserProperties,
    };
}
