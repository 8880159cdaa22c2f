using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client;

/// <summary>How a publish ended: the reason code of PUBACK (QoS 1) or PUBREC (QoS 2); Success for QoS 0.</summary>
/// <param name="ReasonCode">The broker's reason code; 3.x brokers report only success.</param>
/// <param name="ReasonString">MQTT 5.0 Reason String.</param>
/// <param name="UserProperties">MQTT 5.0 User Properties of the acknowledgement.</param>
public sealed record MqttPublishResult(ReasonCode ReasonCode, string? ReasonString, IReadOnlyList<UserProperty> UserProperties)
{
    internal static readonly MqttPublishResult Sent = new(ReasonCode.Success, null, []);

    /// <summary>True for a reason code below 0x80 (including No Matching Subscribers).</summary>
    public bool IsSuccess => ReasonCodes.IsSuccess(ReasonCode);
}
