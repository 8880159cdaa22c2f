using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client;

/// <summary>Everything the client needs to connect, and how it behaves once connected.</summary>
public sealed class MqttClientOptions
{
    /// <summary>
    /// The broker: <c>mqtt://host:1883</c>, <c>mqtts://host:8883</c>, <c>ws://host/mqtt</c> or <c>wss://host/mqtt</c>.
    /// </summary>
    public Uri Server { get; set; } = new("mqtt://127.0.0.1:1883");

    /// <summary>Protocol version spoken on the wire.</summary>
    public ProtocolVersion ProtocolVersion { get; set; } = ProtocolVersion.V500;

    /// <summary>Client identifier; empty asks the broker to assign one (3.1.1 and 5.0).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>
    /// Clean Start (5.0) / Clean Session (3.x) on the first connection. Automatic reconnects resume the session when one
    /// can exist (a Session Expiry Interval above 0 in 5.0, <c>CleanStart = false</c> in 3.x).
    /// </summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>Keep alive; zero turns pings and dead-connection detection off.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for PINGRESP (or any packet) after a PINGREQ before the connection is declared dead.</summary>
    public TimeSpan? PingTimeout { get; set; }

    /// <summary>User name.</summary>
    public string? UserName { get; set; }

    /// <summary>Password.</summary>
    public byte[]? Password { get; set; }

    /// <summary>The will message, published by the broker when this client's connection ends without DISCONNECT.</summary>
    public MqttMessage? Will { get; set; }

    /// <summary>MQTT 5.0 Will Delay Interval in seconds.</summary>
    public uint? WillDelayInterval { get; set; }

    /// <summary>MQTT 5.0 Session Expiry Interval in seconds (0 or null: the session ends with the connection).</summary>
    public uint? SessionExpiryInterval { get; set; }

    /// <summary>
    /// MQTT 5.0 Receive Maximum announced to the broker: how many QoS 1/2 messages it may have in flight to us.
    /// Default: <see cref="ReceiveBufferCapacity"/>, so those messages never hold up the read loop.
    /// </summary>
    public ushort? ReceiveMaximum { get; set; }

    /// <summary>MQTT 5.0 Maximum Packet Size this client accepts.</summary>
    public uint? MaximumPacketSize { get; set; }

    /// <summary>MQTT 5.0 Topic Alias Maximum: how many aliases the broker may use towards us.</summary>
    public ushort TopicAliasMaximum { get; set; } = 64;

    /// <summary>Use topic aliases for outgoing publishes when the broker allows them (MQTT 5.0).</summary>
    public bool UseOutgoingTopicAliases { get; set; } = true;

    /// <summary>MQTT 5.0 Request Response Information.</summary>
    public bool? RequestResponseInformation { get; set; }

    /// <summary>MQTT 5.0 Request Problem Information.</summary>
    public bool? RequestProblemInformation { get; set; }

    /// <summary>MQTT 5.0 User Properties sent with CONNECT.</summary>
    public IReadOnlyList<UserProperty> UserProperties { get; set; } = [];

    /// <summary>MQTT 5.0 enhanced authentication method; enables the AUTH exchange.</summary>
    public string? AuthenticationMethod { get; set; }

    /// <summary>MQTT 5.0 initial Authentication Data sent with CONNECT.</summary>
    public byte[]? AuthenticationData { get; set; }

    /// <summary>Answers the broker's AUTH challenges (Continue Authentication) during connect. Runs off the read loop.</summary>
    public MqttAuthenticationHandler? AuthenticationHandler { get; set; }

    /// <summary>TLS settings for <c>mqtts://</c> and <c>wss://</c>.</summary>
    public MqttTlsOptions Tls { get; set; } = new();

    /// <summary>Time allowed for the transport and the CONNECT / CONNACK exchange.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Automatic reconnect after a lost connection.</summary>
    public MqttReconnectOptions Reconnect { get; set; } = new();

    /// <summary>
    /// Most publishes held while they cannot be sent: offline, or beyond the broker's Receive Maximum. A publish beyond
    /// it fails with <see cref="MqttClientException"/>. QoS 1/2 messages stay until acknowledged.
    /// </summary>
    public int PublishBufferCapacity { get; set; } = 100_000;

    /// <summary>When set, QoS 1/2 messages not yet acknowledged are kept in this file and sent again after a restart.</summary>
    public string? PublishBufferFile { get; set; }

    /// <summary>
    /// Received messages buffered for the application. When full, as many again are held unacknowledged while the
    /// socket is still read (so acknowledgements of our own publishes keep arriving); beyond that the client stops
    /// reading the socket until the application catches up. Memory stays bounded.
    /// </summary>
    public int ReceiveBufferCapacity { get; set; } = 1024;

    /// <summary>
    /// Upper bound on QoS 1/2 publishes in flight. Null: the broker's Receive Maximum in 5.0; 20 in 3.x, which has no
    /// way to announce a limit (mosquitto's default max_inflight_messages: beyond it, mosquitto 2.0 acknowledges QoS 2
    /// messages from a 3.1.1 client without delivering them).
    /// </summary>
    public ushort? MaximumInflight { get; set; }
}
