using Starling.Protocol.Packets;

namespace Starling.Client;

/// <summary>The broker's CONNACK: whether a session was resumed, and every MQTT 5.0 property it sent.</summary>
public sealed class MqttConnectResult
{
    internal MqttConnectResult(ConnAckPacket connAck) => ConnAck = connAck;

    /// <summary>The broker kept a session for this client id [MQTT-3.2.2-2].</summary>
    public bool SessionPresent => ConnAck.SessionPresent;

    /// <summary>The whole CONNACK (Receive Maximum, Topic Alias Maximum, Assigned Client Identifier, ...).</summary>
    public ConnAckPacket ConnAck { get; }
}
