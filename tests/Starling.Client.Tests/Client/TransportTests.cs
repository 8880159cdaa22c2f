using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.TestKit;

namespace Starling.Client.Tests.Client;

/// <summary>mqtts:// (server validation, client certificates) against mosquitto's TLS listener; ws:// and wss:// through a bridge.</summary>
public sealed class TransportTests
{
    [Fact(Timeout = 60_000)]
    public async Task Mqtts_with_a_private_CA_and_a_client_certificate_round_trips_and_an_untrusted_server_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var tlsPort = FreePort.Get();
        TestCertificates? certificates = null;
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, ct,
            $"listener {tlsPort} 127.0.0.1\ncafile {{dir}}/ca.pem\ncertfile {{dir}}/server.pem\nkeyfile {{dir}}/server.key\nrequire_certificate true\n",
            directory =>
            {
                certificates = TestCertificates.Create(directory);
                return Task.CompletedTask;
            });
        using var certs = certificates!;
        var server = new Uri($"mqtts://127.0.0.1:{tlsPort}");

        var options = ClientTestExtensions.Options(server, "tls");
        options.Tls = new MqttTlsOptions { TrustedAuthorities = [certs.Authority], ClientCertificates = [certs.Client] };
        await using (var client = await ClientTestExtensions.ConnectedAsync(options, ct))
        {
            await client.SubscribeAsync("tls/#", QualityOfService.AtLeastOnce, ct);
            await client.PublishAsync("tls/x", "secret", QualityOfService.AtLeastOnce, cancellationToken: ct);
            Assert.Equal("secret", (await client.ExpectMessageAsync()).PayloadAsString());
        }

        // The same broker, not trusted: the client refuses the server certificate.
        var untrusted = ClientTestExtensions.Options(server, "tls-untrusted");
        untrusted.Tls = new MqttTlsOptions { ClientCertificates = [certs.Client] };
        await using (var client = new MqttClient(untrusted))
        {
            var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync(ct));
            Assert.Contains("Cannot connect", error.Message, StringComparison.Ordinal);
        }

        // Trusted, but no client certificate: the broker requires one.
        var anonymous = ClientTestExtensions.Options(server, "tls-anonymous");
        anonymous.Tls = new MqttTlsOptions { TrustedAuthorities = [certs.Authority] };
        await using (var client = new MqttClient(anonymous))
        {
            await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync(ct));
        }

        // The CLI with --cafile, --cert and --key.
        var port = tlsPort.ToString(CultureInfo.InvariantCulture);
        await using var sub = StarlingCli.Start(["sub", "-d", "-h", "127.0.0.1", "-p", port, "--cafile", certs.AuthorityPem, "--cert", certs.ClientPem,
            "--key", certs.ClientKeyPem, "-t", "tls/cli", "-C", "1", "-v"]);
        await WaitFor.ConditionAsync(() => sub.HasExited || sub.StandardError.Any(l => l.Contains("subscribed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "starling sub over TLS", ct);
        await using var pub = StarlingCli.Start(["pub", "-h", "127.0.0.1", "-p", port, "--cafile", certs.AuthorityPem, "--cert", certs.ClientPem,
            "--key", certs.ClientKeyPem, "-t", "tls/cli", "-m", "over tls", "-q", "1"]);
        Assert.Equal(0, await pub.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Equal(0, await sub.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Equal(["tls/cli over tls"], sub.StandardOutput);

        // Without --cafile the broker's certificate is not trusted: exit 2; --insecure skips the check.
        await using var untrustedPub = StarlingCli.Start(["pub", "-L", $"mqtts://127.0.0.1:{port}/tls/cli", "--cert", certs.ClientPem, "--key", certs.ClientKeyPem, "-m", "x"]);
        Assert.Equal(2, await untrustedPub.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
        await using var insecurePub = StarlingCli.Start(["pub", "-L", $"mqtts://127.0.0.1:{port}/tls/cli", "--insecure", "--cert", certs.ClientPem, "--key", certs.ClientKeyPem, "-m", "x"]);
        Assert.Equal(0, await insecurePub.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto, false)]
    [InlineData(BrokerKind.Mosquitto, true)]
    [InlineData(BrokerKind.Starling, false)]
    public async Task Ws_and_wss_carry_MQTT_to_a_real_broker(BrokerKind kind, bool tls)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        using var certs = TestCertificates.Create(broker.Directory);
        await using var bridge = await WebSocketBridge.StartAsync(broker.Port, tls ? certs.Server : null, ct);
        var options = ClientTestExtensions.Options(bridge.Uri, $"ws-{tls}");
        options.Tls = new MqttTlsOptions { TrustedAuthorities = [certs.Authority] };
        await using var client = await ClientTestExtensions.ConnectedAsync(options, ct);

        await client.SubscribeAsync("ws/#", QualityOfService.ExactlyOnce, ct);
        for (var qos = 0; qos <= 2; qos++)
        {
            await client.PublishAsync("ws/x", $"over websocket {qos}", (QualityOfService)qos, cancellationToken: ct);
            Assert.Equal($"over websocket {qos}", (await client.ExpectMessageAsync()).PayloadAsString());
        }
    }
}
