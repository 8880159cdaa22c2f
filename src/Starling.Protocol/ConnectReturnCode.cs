namespace Starling.Protocol;

/// <summary>MQTT 3.1 / 3.1.1 CONNACK return codes [MQTT-3.2.2.3].</summary>
public enum ConnectReturnCode : byte
{
    /// <summary>Connection accepted.</summary>
    Accepted = 0,

    /// <summary>The server does not support the requested protocol level.</summary>
    UnacceptableProtocolVersion = 1,

    /// <summary>The client identifier is correct UTF-8 but not allowed by the server.</summary>
    IdentifierRejected = 2,

    /// <summary>The network connection has been made but the MQTT service is unavailable.</summary>
    ServerUnavailable = 3,

    /// <summary>The data in the user name or password is malformed.</summary>
    BadUserNameOrPassword = 4,

    /// <summary>The client is not authorized to connect.</summary>
    NotAuthorized = 5,
}
