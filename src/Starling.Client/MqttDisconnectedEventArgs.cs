using Starling.Protocol;

namespace Starling.Client;

/// <summary>Why a connection ended.</summary>
public sealed class MqttDisconnectedEventArgs : EventArgs
{
    /// <summary>Creates the event arguments.</summary>
    public MqttDisconnectedEventArgs(ReasonCode? reasonCode, string reason, Exception? exception, string? serverReference, bool willReconnect)
    {
        ReasonCode = reasonCode;
        Reason = reason;
        Exception = exception;
        ServerReference = serverReference;
        WillReconnect = willReconnect;
    }

    /// <summary>The reason code of the broker's DISCONNECT (MQTT 5.0), or of the client's own decision (Keep Alive Timeout, ...).</summary>
    public ReasonCode? ReasonCode { get; }

    /// <summary>A one-line description.</summary>
    public string Reason { get; }

    /// <summary>The transport failure, if that was the cause.</summary>
    public Exception? Exception { get; }

    /// <summary>MQTT 5.0 Server Reference from the broker's DISCONNECT (Use Another Server, Server Moved).</summary>
    public string? ServerReference { get; }

    /// <summary>The client will try to reconnect.</summary>
    public bool WillReconnect { get; }
}
