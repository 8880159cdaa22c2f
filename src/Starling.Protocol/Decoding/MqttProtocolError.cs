namespace Starling.Protocol.Decoding;

/// <summary>
/// Why a packet was refused: the MQTT 5.0 reason code to report (in DISCONNECT or CONNACK) and the normative
/// statement it breaks, such as <c>MQTT-3.3.1-4</c>.
/// </summary>
/// <param name="ReasonCode">The reason code the specification names for this case.</param>
/// <param name="Rule">The normative statement or section broken, e.g. <c>MQTT-1.5.4-2</c>.</param>
/// <param name="Message">A one-line human-readable description.</param>
public readonly record struct MqttProtocolError(ReasonCode ReasonCode, string Rule, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"0x{(byte)ReasonCode:X2} {ReasonCode} [{Rule}]: {Message}";
}
