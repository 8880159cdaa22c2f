using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker;

/// <summary>A client completed CONNECT.</summary>
/// <param name="ClientId">The client identifier.</param>
/// <param name="UserName">The user name from CONNECT.</param>
/// <param name="ProtocolVersion">The MQTT version in use.</param>
/// <param name="RemoteEndPoint">The peer address as text.</param>
public sealed record ClientConnectedEventArgs(string ClientId, string? UserName, ProtocolVersion ProtocolVersion, string RemoteEndPoint);

/// <summary>A client's connection ended.</summary>
/// <param name="ClientId">The client identifier.</param>
/// <param name="Reason">Why: DISCONNECT and its reason code, keep alive timeout, takeover, protocol error, connection lost.</param>
/// <param name="Graceful">True when the client sent DISCONNECT.</param>
public sealed record ClientDisconnectedEventArgs(string ClientId, string Reason, bool Graceful);

/// <summary>A message was accepted for routing.</summary>
/// <param name="PublisherClientId">The publishing client; null when published from code.</param>
/// <param name="Message">The message (topic, payload, QoS, retain, properties).</param>
/// <param name="Subscribers">How many sessions it was delivered or queued to.</param>
public sealed record MessagePublishedEventArgs(string? PublisherClientId, PublishPacket Message, int Subscribers);
