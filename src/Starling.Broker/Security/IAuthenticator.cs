using System.Net;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Broker.Security;

/// <summary>What a client presented when connecting.</summary>
/// <param name="Connect">The CONNECT packet (client id, user name, password, authentication method and data).</param>
/// <param name="RemoteEndPoint">The peer address, when the transport knows it.</param>
public sealed record ConnectionRequest(ConnectPacket Connect, EndPoint? RemoteEndPoint);

/// <summary>Decides whether a client may connect. Runs once per CONNECT, off the hot path, and may be asynchronous.</summary>
public interface IAuthenticator
{
    /// <summary>Returns <see cref="ReasonCode.Success"/> to accept, or the CONNACK reason code to refuse with.</summary>
    ValueTask<ReasonCode> AuthenticateAsync(ConnectionRequest request, CancellationToken cancellationToken);
}
