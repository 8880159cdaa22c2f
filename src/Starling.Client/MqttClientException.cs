using Starling.Protocol;

namespace Starling.Client;

/// <summary>An MQTT operation failed: refused by the broker (see <see cref="ReasonCode"/>), or the connection failed.</summary>
public class MqttClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttClientException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttClientException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttClientException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the broker's reason code.</summary>
    public MqttClientException(string message, ReasonCode reasonCode, Exception? innerException = null) : base(message, innerException)
    {
        ReasonCode = reasonCode;
    }

    /// <summary>The broker's reason code (MQTT 3.x CONNACK return codes are mapped to their 5.0 equivalents), when it gave one.</summary>
    public ReasonCode? ReasonCode { get; }

    /// <summary>MQTT 5.0 Server Reference: another broker to use, given with Use Another Server / Server Moved.</summary>
    public string? ServerReference { get; init; }
}
