using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace Starling.Client.Transport;

/// <summary>Opens the byte stream named by the server URI: TCP, TLS over TCP, or a WebSocket (plain or TLS).</summary>
internal static class TransportFactory
{
    public static async Task<Stream> ConnectAsync(Uri server, MqttTlsOptions tls, CancellationToken cancellationToken)
    {
        switch (server.Scheme.ToLowerInvariant())
        {
            case "mqtt" or "tcp":
                return await ConnectTcpAsync(server, 1883, cancellationToken).ConfigureAwait(false);
            case "mqtts" or "ssl" or "tls":
            {
                var tcp = await ConnectTcpAsync(server, 8883, cancellationToken).ConfigureAwait(false);
                var ssl = new SslStream(tcp, leaveInnerStreamOpen: false);
                try
                {
                    await ssl.AuthenticateAsClientAsync(SslOptions(server, tls), cancellationToken).ConfigureAwait(false);
                    return ssl;
                }
                catch
                {
                    await ssl.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            case "ws" or "wss":
            {
                var socket = new ClientWebSocket();
                socket.Options.AddSubProtocol("mqtt");
                if (server.Scheme.Equals("wss", StringComparison.OrdinalIgnoreCase))
                {
                    socket.Options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                        Validate(tls, certificate, chain, WithTargetHost(tls, certificate, errors));
                    if (tls.ClientCertificates is { } certificates)
                    {
                        socket.Options.ClientCertificates = certificates;
                    }
                }

                try
                {
                    await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
                    return WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            default:
                throw new ArgumentException($"Unsupported scheme '{server.Scheme}': use mqtt, mqtts, ws or wss.", nameof(server));
        }
    }

    private static async Task<Stream> ConnectTcpAsync(Uri server, int defaultPort, CancellationToken cancellationToken)
    {
        var port = server.IsDefaultPort || server.Port <= 0 ? defaultPort : server.Port;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var host = server.DnsSafeHost;
            EndPoint endPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static SslClientAuthenticationOptions SslOptions(Uri server, MqttTlsOptions tls) => new()
    {
        TargetHost = tls.TargetHost ?? server.DnsSafeHost,
        ClientCertificates = tls.ClientCertificates,
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(tls, certificate, chain, errors),
    };

    /// <summary>
    /// A WebSocket checks the certificate against the URI's host; with <see cref="MqttTlsOptions.TargetHost"/> set,
    /// the name is checked against that instead, as for <c>mqtts://</c>.
    /// </summary>
    private static SslPolicyErrors WithTargetHost(MqttTlsOptions tls, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (tls.TargetHost is not { } host || certificate is null)
        {
            return errors;
        }

        using var leaf = new X509Certificate2(certificate);
        errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
        return leaf.MatchesHostname(host) ? errors : errors | SslPolicyErrors.RemoteCertificateNameMismatch;
    }

    private static bool Validate(MqttTlsOptions tls, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (tls.CertificateValidation is { } custom)
        {
            return custom(tls, certificate, chain, errors);
        }

        if (tls.AllowUntrustedCertificates)
        {
            return true;
        }

        if (tls.TrustedAuthorities is not { Count: > 0 } authorities)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false; // a name mismatch or a missing certificate is never excused by a private CA
        }

        // The given authorities replace the system store: the chain must end at one of them, even when the system
        // would trust the certificate. Intermediates the server sent help build the chain; they are not trusted.
        using var pinned = new X509Chain();
        pinned.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        pinned.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        pinned.ChainPolicy.CustomTrustStore.AddRange(authorities);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                pinned.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return pinned.Build(leaf);
    }
}
