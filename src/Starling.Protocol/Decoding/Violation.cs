using System.Diagnostics.CodeAnalysis;

namespace Starling.Protocol.Decoding;

/// <summary>Throw helpers kept out of line so the decoders' fast paths stay small.</summary>
internal static class Violation
{
    [DoesNotReturn]
    public static void Malformed(string rule, string message) =>
        throw new MqttProtocolException(new MqttProtocolError(ReasonCode.MalformedPacket, rule, message));

    [DoesNotReturn]
    public static void ProtocolError(string rule, string message) =>
        throw new MqttProtocolException(new MqttProtocolError(ReasonCode.ProtocolError, rule, message));

    [DoesNotReturn]
    public static void Throw(ReasonCode code, string rule, string message) =>
        throw new MqttProtocolException(new MqttProtocolError(code, rule, message));

    [DoesNotReturn]
    public static void Truncated() => Malformed("§2.1.4", "A length points past the end of the packet");

    [DoesNotReturn]
    public static void TrailingBytes() => Malformed("§2.1.4", "The packet has bytes after its last field");
}
