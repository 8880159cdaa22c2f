using System.Net;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Bench;

/// <summary>The broker and how every bench connection reaches it: protocol version, source addresses, keep-alive.</summary>
internal sealed record BenchTarget
{
    public required IPEndPoint EndPoint { get; init; }

    public ProtocolVersion Version { get; init; } = ProtocolVersion.V311;

    public SourceAddresses SourceAddresses { get; init; } = SourceAddresses.None;

    /// <summary>Keep-alive in seconds announced in CONNECT; <see cref="BenchPinger"/> keeps quiet connections within it.</summary>
    public ushort KeepAlive { get; init; } = 60;

    /// <summary>Opens a connection with a clean session under <paramref name="clientId"/>.</summary>
    public Task<BenchConnection> ConnectAsync(string clientId, int bufferSize, CancellationToken cancellationToken) =>
        ConnectAsync(new ConnectPacket { ProtocolVersion = Version, ClientId = clientId, KeepAlive = KeepAlive }, bufferSize, cancellationToken);

    public Task<BenchConnection> ConnectAsync(ConnectPacket connect, int bufferSize, CancellationToken cancellationToken) =>
        BenchConnection.OpenAsync(EndPoint, SourceAddresses.Next(), connect, bufferSize, cancellationToken);
}
