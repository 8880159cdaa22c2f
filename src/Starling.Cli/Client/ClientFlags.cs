using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Starling.Client;
using Starling.Protocol;

namespace Starling.Cli.Client;

/// <summary>
/// The connection flags <c>pub</c> and <c>sub</c> share, spelled as mosquitto_pub / mosquitto_sub spell them, and
/// the <see cref="MqttClientOptions"/> built from them.
/// </summary>
internal sealed class ClientFlags
{
    public Option<string?> Host { get; } = new("--host", "-h") { Description = "Broker host (default localhost)." };

    public Option<int?> Port { get; } = new("--port", "-p") { Description = "Broker port (default 1883, 8883 with TLS)." };

    public Option<string?> Url { get; } = new("--url", "-L")
    {
        Description = "mqtt(s)://[user[:password]@]host[:port]/topic, or ws(s)://host[:port]/path for a WebSocket.",
    };

    public Option<string?> Id { get; } = new("--id", "-i") { Description = "Client identifier (default: assigned by the broker)." };

    public Option<string?> UserName { get; } = new("--username", "-u") { Description = "User name." };

    public Option<string?> Password { get; } = new("--pw", "-P") { Description = "Password." };

    public Option<int> KeepAlive { get; } = new("--keepalive", "-k") { Description = "Keep alive in seconds (default 60).", DefaultValueFactory = _ => 60 };

    public Option<string> Version { get; } = new("--protocol-version", "-V")
    {
        Description = "mqttv5 (default), mqttv311 or mqttv31 (also 5, 311, 31).",
        DefaultValueFactory = _ => "mqttv5",
    };

    public Option<int> Qos { get; } = new("--qos", "-q") { Description = "Quality of service 0, 1 or 2 (default 0).", DefaultValueFactory = _ => 0 };

    public Option<bool> NoCleanSession { get; } = new("--disable-clean-session", "-c") { Description = "Keep the session after disconnecting." };

    public Option<uint?> SessionExpiry { get; } = new("--session-expiry-interval", "-x") { Description = "MQTT 5.0 session expiry in seconds." };

    public Option<string?> WillTopic { get; } = new("--will-topic") { Description = "Topic of the will message." };

    public Option<string?> WillPayload { get; } = new("--will-payload") { Description = "Payload of the will message." };

    public Option<int> WillQos { get; } = new("--will-qos") { Description = "QoS of the will message.", DefaultValueFactory = _ => 0 };

    public Option<bool> WillRetain { get; } = new("--will-retain") { Description = "Retain the will message." };

    public Option<string[]> Properties { get; } = new("--property", "-D")
    {
        Description = "MQTT 5.0 property: -D connect|publish|subscribe|will <name> <value> (user-property takes a name and a value).",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> CaFile { get; } = new("--cafile") { Description = "PEM file of certificate authorities to trust; turns TLS on." };

    public Option<string?> Cert { get; } = new("--cert") { Description = "PEM client certificate (with --key); turns TLS on." };

    public Option<string?> Key { get; } = new("--key") { Description = "PEM private key of --cert." };

    public Option<bool> Insecure { get; } = new("--insecure") { Description = "Do not check the server certificate (tests only)." };

    /// <summary>
    /// Adds <c>pub</c> and <c>sub</c>, and keeps only --help and -? for help, so that -h can be the host as in
    /// mosquitto_pub / mosquitto_sub.
    /// </summary>
    public static void AddClientCommands(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Subcommands.Add(PubCommand.Create());
        root.Subcommands.Add(SubCommand.Create());
        foreach (var option in root.Options)
        {
            if (option is System.CommandLine.Help.HelpOption help)
            {
                help.Aliases.Remove("-h");
                help.Aliases.Remove("/h");
            }
        }
    }

    /// <summary>For pub and sub, a bad flag is reported in one line, without the whole help text.</summary>
    public static ParseResult WithOneLineErrors(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        if (parsed.CommandResult.Command.Name is "pub" or "sub" && parsed.Action is System.CommandLine.Invocation.ParseErrorAction error)
        {
            error.ShowHelp = false;
            error.ShowTypoCorrections = false;
        }

        return parsed;
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Host, Port, Url, Id, UserName, Password, KeepAlive, Version, Qos, NoCleanSession, SessionExpiry,
            WillTopic, WillPayload, WillQos, WillRetain, Properties, CaFile, Cert, Key, Insecure })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The client options; throws <see cref="ArgumentException"/> with a one-line message for bad flags.</summary>
    public MqttClientOptions Build(ParseResult result, CliProperties properties, out string? urlTopic)
    {
        var version = result.GetValue(Version)?.ToLowerInvariant() switch
        {
            "mqttv5" or "5" => ProtocolVersion.V500,
            "mqttv311" or "311" => ProtocolVersion.V311,
            "mqttv31" or "31" => ProtocolVersion.V310,
            var other => throw new ArgumentException($"-V: unknown protocol version '{other}' (mqttv5, mqttv311 or mqttv31)."),
        };
        var tls = result.GetValue(CaFile) is not null || result.GetValue(Cert) is not null || result.GetValue(Insecure);
        urlTopic = null;
        string? userName = result.GetValue(UserName);
        string? password = result.GetValue(Password);
        Uri server;
        if (result.GetValue(Url) is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed))
            {
                throw new ArgumentException($"-L: '{url}' is not a URL.");
            }

            if (parsed.UserInfo.Length > 0)
            {
                var parts = parsed.UserInfo.Split(':', 2);
                userName ??= Uri.UnescapeDataString(parts[0]);
                password ??= parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
            }

            if (parsed.Scheme is "mqtt" or "mqtts")
            {
                // mosquitto's -L: the path is the topic.
                urlTopic = parsed.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(parsed.AbsolutePath[1..]) : null;
                server = new Uri($"{parsed.Scheme}://{parsed.Host}:{(parsed.IsDefaultPort || parsed.Port < 0 ? (parsed.Scheme == "mqtts" ? 8883 : 1883) : parsed.Port)}");
            }
            else if (parsed.Scheme is "ws" or "wss")
            {
                server = new UriBuilder(parsed) { UserName = "", Password = "" }.Uri;
            }
            else
            {
                throw new ArgumentException($"-L: unsupported scheme '{parsed.Scheme}' (mqtt, mqtts, ws, wss).");
            }
        }
        else
        {
            var port = result.GetValue(Port) ?? (tls ? 8883 : 1883);
            if (port is < 1 or > 65535)
            {
                throw new ArgumentException($"-p: {port} is not a port number.");
            }

            var host = result.GetValue(Host) ?? "localhost";
            server = new Uri(string.Create(CultureInfo.InvariantCulture, $"{(tls ? "mqtts" : "mqtt")}://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}"));
        }

        var qos = result.GetValue(Qos);
        var willQos = result.GetValue(WillQos);
        if (qos is < 0 or > 2 || willQos is < 0 or > 2)
        {
            throw new ArgumentException("-q / --will-qos: QoS must be 0, 1 or 2.");
        }

        var keepAlive = result.GetValue(KeepAlive);
        if (keepAlive is < 0 or > 65535)
        {
            throw new ArgumentException($"-k: {keepAlive} is not a keep alive from 0 to 65535 seconds.");
        }

        var options = new MqttClientOptions
        {
            Server = server,
            ProtocolVersion = version,
            ClientId = result.GetValue(Id) ?? "",
            CleanStart = !result.GetValue(NoCleanSession),
            KeepAlive = TimeSpan.FromSeconds(keepAlive),
            UserName = userName,
            Password = password is null ? null : Encoding.UTF8.GetBytes(password),
            SessionExpiryInterval = result.GetValue(SessionExpiry) ?? properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumPacketSize = properties.MaximumPacketSize,
            TopicAliasMaximum = properties.TopicAliasMaximum ?? 64,
            RequestResponseInformation = properties.RequestResponseInformation,
            RequestProblemInformation = properties.RequestProblemInformation,
            UserProperties = properties.ConnectUserProperties,
            WillDelayInterval = properties.WillDelayInterval,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (result.GetValue(WillTopic) is { } willTopic)
        {
            var will = properties.Will;
            options.Will = new MqttMessage
            {
                Topic = willTopic,
                Payload = Encoding.UTF8.GetBytes(result.GetValue(WillPayload) ?? ""),
                QoS = (QualityOfService)willQos,
                Retain = result.GetValue(WillRetain),
                PayloadFormat = will.PayloadFormat,
                MessageExpiryInterval = will.MessageExpiryInterval,
                ContentType = will.ContentType,
                ResponseTopic = will.ResponseTopic,
                CorrelationData = will.CorrelationData,
                UserProperties = will.UserProperties,
            };
        }
        else if (result.GetValue(WillPayload) is not null)
        {
            throw new ArgumentException("--will-payload needs --will-topic.");
        }

        options.Tls = BuildTls(result);
        return options;
    }

    private MqttTlsOptions BuildTls(ParseResult result)
    {
        var tls = new MqttTlsOptions { AllowUntrustedCertificates = result.GetValue(Insecure) };
        if (result.GetValue(CaFile) is { } caFile)
        {
            var authorities = new X509Certificate2Collection();
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ArgumentException($"--cafile: cannot read {caFile}: {e.Message}");
            }

            tls.TrustedAuthorities = authorities;
        }

        var cert = result.GetValue(Cert);
        var key = result.GetValue(Key);
        if ((cert is null) != (key is null))
        {
            throw new ArgumentException("--cert and --key go together.");
        }

        if (cert is not null)
        {
            try
            {
                using var pem = X509Certificate2.CreateFromPemFile(cert, key);
                // Re-imported so that the private key is usable by the TLS stack on every platform.
                tls.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ArgumentException($"--cert/--key: cannot read {cert}: {e.Message}");
            }
        }

        return tls;
    }
}
