using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client;

/// <summary>The SUBACK: one reason code per requested filter, in order (granted QoS, or a failure).</summary>
/// <param name="Items">Each filter with its reason code.</param>
/// <param name="ReasonString">MQTT 5.0 Reason String.</param>
/// <param name="UserProperties">MQTT 5.0 User Properties.</param>
public sealed record MqttSubscribeResult(IReadOnlyList<MqttFilterResult> Items, string? ReasonString, IReadOnlyList<UserProperty> UserProperties);

/// <summary>The UNSUBACK: one reason code per filter (MQTT 3.x brokers report success for all).</summary>
/// <param name="Items">Each filter with its reason code.</param>
/// <param name="ReasonString">MQTT 5.0 Reason String.</param>
/// <param name="UserProperties">MQTT 5.0 User Properties.</param>
public sealed record MqttUnsubscribeResult(IReadOnlyList<MqttFilterResult> Items, string? ReasonString, IReadOnlyList<UserProperty> UserProperties);

/// <summary>One topic filter and what the broker said about it.</summary>
/// <param name="TopicFilter">The filter as requested.</param>
/// <param name="ReasonCode">Granted QoS 0/1/2, or a failure code (0x80 and above).</param>
public readonly record struct MqttFilterResult(string TopicFilter, ReasonCode ReasonCode)
{
    /// <summary>True for a reason code below 0x80.</summary>
    public bool IsSuccess => ReasonCodes.IsSuccess(ReasonCode);
}
