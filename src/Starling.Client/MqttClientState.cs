namespace Starling.Client;

/// <summary>Where the client is in its life.</summary>
public enum MqttClientState
{
    /// <summary>Not connected, and not trying.</summary>
    Disconnected,

    /// <summary>Opening the transport and exchanging CONNECT / CONNACK.</summary>
    Connecting,

    /// <summary>Connected: publishes go out at once.</summary>
    Connected,

    /// <summary>The connection was lost; waiting to retry. Publishes are buffered.</summary>
    Reconnecting,

    /// <summary>Disposed.</summary>
    Disposed,
}
