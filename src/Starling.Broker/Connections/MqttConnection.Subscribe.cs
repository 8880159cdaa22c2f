using Starling.Broker.Diagnostics;
using Starling.Broker.Routing;
using Starling.Protocol;
using Starling.Protocol.Decoding;
using Starling.Protocol.Packets;

namespace Starling.Broker.Connections;

/// <summary>SUBSCRIBE (with retained messages per Retain Handling) and UNSUBSCRIBE.</summary>
internal sealed partial class MqttConnection
{
    private bool HandleSubscribe(in Frame frame)
    {
        if (!PacketDecoder.TryDecode(frame, Version, out var decoded, out var error))
        {
            return Violation(error);
        }

        var subscribe = (SubscribePacket)decoded;
        var session = Session!;
        var codes = new ReasonCode[subscribe.Subscriptions.Count];
        List<(Subscription Subscription, bool Existed)>? added = null;
        for (var i = 0; i < codes.Length; i++)
        {
            var requested = subscribe.Subscriptions[i];
            if (!_broker.Authorizer.CanSubscribe(ClientId, UserName, requested.TopicFilter))
            {
                codes[i] = Version == ProtocolVersion.V500 ? ReasonCode.NotAuthorized : ReasonCode.UnspecifiedError;
                continue;
            }

            var granted = (QualityOfService)Math.Min((int)requested.MaximumQoS, (int)_broker.Options.MaximumQoS);
            var subscription = new Subscription(session, requested with { MaximumQoS = granted }, subscribe.SubscriptionIdentifier ?? 0);
            if (_broker.Subscribe(subscription) is not { } existed)
            {
                codes[i] = Version == ProtocolVersion.V500 ? ReasonCode.QuotaExceeded : ReasonCode.UnspecifiedError;
                continue;
            }

            BrokerLog.Subscribed(_logger, ClientId, requested.TopicFilter, granted);
            codes[i] = (ReasonCode)granted;
            (added ??= []).Add((subscription, existed));
        }

        // SUBACK first, then the retained messages of the new subscriptions.
        Writer.EnqueuePacket(new SubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = codes });
        if (added is not null)
        {
            foreach (var (subscription, existed) in added)
            {
                _broker.SendRetained(subscription, existed);
            }
        }

        return true;
    }

    private bool HandleUnsubscribe(in Frame frame)
    {
        if (!PacketDecoder.TryDecode(frame, Version, out var decoded, out var error))
        {
            return Violation(error);
        }

        var unsubscribe = (UnsubscribePacket)decoded;
        var codes = new ReasonCode[unsubscribe.TopicFilters.Count];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = _broker.Unsubscribe(Session!, unsubscribe.TopicFilters[i]) ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted;
        }

        // [MQTT-3.10.4-4]: UNSUBACK even when nothing was removed.
        Writer.EnqueuePacket(new UnsubAckPacket { PacketId = unsubscribe.PacketId, ReasonCodes = codes });
        return true;
    }
}
