namespace Starling.Protocol;

/// <summary>Which reason codes each packet may carry, and the mapping to MQTT 3.x CONNACK return codes.</summary>
public static class ReasonCodes
{
    private static readonly ReasonCodeSet ConnAckCodes = new(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
        0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F);
    private static readonly ReasonCodeSet PubAckCodes = new(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99);
    private static readonly ReasonCodeSet PubRelCodes = new(0x00, 0x92);
    private static readonly ReasonCodeSet SubAckCodes = new(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2);
    private static readonly ReasonCodeSet UnsubAckCodes = new(0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91);
    // 0x8C appears for DISCONNECT in Table 2-6 though not in Table 3-10; accepted on receipt.
    private static readonly ReasonCodeSet DisconnectCodes = new(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D,
        0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2);
    private static readonly ReasonCodeSet AuthCodes = new(0x00, 0x18, 0x19);

    /// <summary>Whether <paramref name="code"/> is one the MQTT 5.0 specification allows in a packet of <paramref name="type"/>.</summary>
    public static bool IsAllowed(PacketType type, ReasonCode code) => type switch
    {
        PacketType.ConnAck => ConnAckCodes.Contains(code),
        PacketType.PubAck or PacketType.PubRec => PubAckCodes.Contains(code),
        PacketType.PubRel or PacketType.PubComp => PubRelCodes.Contains(code),
        PacketType.SubAck => SubAckCodes.Contains(code),
        PacketType.UnsubAck => UnsubAckCodes.Contains(code),
        PacketType.Disconnect => DisconnectCodes.Contains(code),
        PacketType.Auth => AuthCodes.Contains(code),
        _ => false,
    };

    /// <summary>True for codes below 0x80, which report success [MQTT-2.4].</summary>
    public static bool IsSuccess(ReasonCode code) => (byte)code < 0x80;

    /// <summary>
    /// The MQTT 3.x CONNACK return code that conveys an MQTT 5.0 CONNACK reason code. False for codes with no 3.x
    /// equivalent (Malformed Packet, Protocol Error, ...): the server then closes without a CONNACK [MQTT-3.2.2-6] (3.1.1).
    /// </summary>
    public static bool TryGetConnectReturnCode(ReasonCode code, out ConnectReturnCode returnCode)
    {
        returnCode = code switch
        {
            ReasonCode.Success => ConnectReturnCode.Accepted,
            ReasonCode.UnsupportedProtocolVersion => ConnectReturnCode.UnacceptableProtocolVersion,
            ReasonCode.ClientIdentifierNotValid => ConnectReturnCode.IdentifierRejected,
            ReasonCode.ServerUnavailable or ReasonCode.ServerBusy or ReasonCode.UseAnotherServer or ReasonCode.ServerMoved
                or ReasonCode.ConnectionRateExceeded => ConnectReturnCode.ServerUnavailable,
            ReasonCode.BadUserNameOrPassword or ReasonCode.BadAuthenticationMethod => ConnectReturnCode.BadUserNameOrPassword,
            ReasonCode.NotAuthorized or ReasonCode.Banned => ConnectReturnCode.NotAuthorized,
            _ => (ConnectReturnCode)255,
        };
        return (byte)returnCode != 255;
    }

    /// <summary>The MQTT 5.0 reason code equivalent to an MQTT 3.x CONNACK return code.</summary>
    public static ReasonCode FromConnectReturnCode(ConnectReturnCode code) => code switch
    {
        ConnectReturnCode.Accepted => ReasonCode.Success,
        ConnectReturnCode.UnacceptableProtocolVersion => ReasonCode.UnsupportedProtocolVersion,
        ConnectReturnCode.IdentifierRejected => ReasonCode.ClientIdentifierNotValid,
        ConnectReturnCode.ServerUnavailable => ReasonCode.ServerUnavailable,
        ConnectReturnCode.BadUserNameOrPassword => ReasonCode.BadUserNameOrPassword,
        ConnectReturnCode.NotAuthorized => ReasonCode.NotAuthorized,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not an MQTT 3.x CONNACK return code."),
    };

    private sealed class ReasonCodeSet
    {
        private readonly ulong[] _bits = new ulong[4];

        public ReasonCodeSet(params byte[] codes)
        {
            foreach (var code in codes)
            {
                _bits[code >> 6] |= 1UL << (code & 63);
            }
        }

        public bool Contains(ReasonCode code) => (_bits[(byte)code >> 6] & (1UL << ((byte)code & 63))) != 0;
    }
}
