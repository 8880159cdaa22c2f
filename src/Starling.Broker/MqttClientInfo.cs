using System.Net;
using Starling.Protocol;

namespace Starling.Broker;

/// <summary>A connected client, as listed by <see cref="MqttBroker.GetClients"/>.</summary>
/// <param name="ClientId">The client identifier (assigned by the broker when the client sent none).</param>
/// <param name="UserName">The user name from CONNECT.</param>
/// <param name="RemoteEndPoint">The peer address, when known.</param>
/// <param name="ProtocolVersion">The MQTT version in use.</param>
/// <param name="KeepAlive">Effective keep alive in seconds.</param>
/// <param name="ConnectedFor">Time since CONNACK.</param>
/// <param name="Subscriptions">The session's topic filters.</param>
/// <param name="QueuedMessages">Messages waiting in the session queue.</param>
/// <param name="InflightMessages">Unacknowledged outbound QoS 1/2 messages.</param>
/// <param name="DroppedMessages">Messages dropped for this client: QoS 0 beyond its outbound bound, a full session queue, or above its Maximum Packet Size.</param>
public sealed record MqttClientInfo(
    string ClientId,
    string? UserName,
    EndPoint? RemoteEndPoint,
    ProtocolVersion ProtocolVersion,
    ushort KeepAlive,
    TimeSpan ConnectedFor,
    IReadOnlyList<string> Subscriptions,
    int QueuedMessages,
    int InflightMessages,
    long DroppedMessages);
