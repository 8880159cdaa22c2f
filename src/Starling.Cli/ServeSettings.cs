using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Starling.Broker;

namespace Starling.Cli;

/// <summary>The settings of <c>starling serve</c>, read and validated from configuration; every error names its key.</summary>
internal sealed class ServeSettings
{
    public required IPEndPoint EndPoint { get; init; }

    public required BrokerOptions Broker { get; init; }

    /// <summary>Where the durable store lives (<c>starling.db</c> inside); null when running in memory (<c>--in-memory</c>).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Socket I/O threads; see <see cref="Starling.Server.TcpListenerOptions.IoThreads"/> and <see cref="SocketThreading"/>.</summary>
    public int SocketThreads { get; init; } = 1;

    /// <summary>The runtime's sockets instead of Starling's epoll engine (Linux); see <see cref="Starling.Server.TcpListenerOptions.UseRuntimeSockets"/>.</summary>
    public bool RuntimeSockets { get; init; }

    /// <summary>TCP_DEFER_ACCEPT on Linux; see <see cref="Starling.Server.TcpListenerOptions.DeferAccept"/>.</summary>
    public bool DeferAccept { get; init; } = true;

    public static ServeSettings From(IConfiguration configuration)
    {
        var portText = configuration["Port"];
        var port = 1883;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.Integer, CultureInfo.InvariantCulture, out port) || port is < 0 or > 65535))
        {
            throw new InvalidOperationException($"Port: '{portText}' is not a TCP port (0-65535).");
        }

        var bindText = configuration["Bind"] ?? "0.0.0.0";
        if (!IPAddress.TryParse(bindText, out var address))
        {
            throw new InvalidOperationException($"Bind: '{bindText}' is not an IP address.");
        }

        var threadsText = configuration["SocketThreads"];
        var threads = 1;
        if (threadsText is not null && (!int.TryParse(threadsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out threads) || threads is < 1 or > 256))
        {
            throw new InvalidOperationException($"SocketThreads: '{threadsText}' is not a thread count (1-256).");
        }

        var inMemoryText = configuration["InMemory"];
        var inMemory = false;
        if (inMemoryText is not null && !bool.TryParse(inMemoryText, out inMemory))
        {
            throw new InvalidOperationException($"InMemory: '{inMemoryText}' is not true or false.");
        }

        var runtimeSocketsText = configuration["RuntimeSockets"];
        var runtimeSockets = false;
        if (runtimeSocketsText is not null && !bool.TryParse(runtimeSocketsText, out runtimeSockets))
        {
            throw new InvalidOperationException($"RuntimeSockets: '{runtimeSocketsText}' is not true or false.");
        }

        var deferAcceptText = configuration["DeferAccept"];
        var deferAccept = true;
        if (deferAcceptText is not null && !bool.TryParse(deferAcceptText, out deferAccept))
        {
            throw new InvalidOperationException($"DeferAccept: '{deferAcceptText}' is not true or false.");
        }

        var dataDirectory = configuration["DataDir"] ?? "data";
        if (dataDirectory.Length == 0 || dataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new InvalidOperationException($"DataDir: '{dataDirectory}' is not a directory path.");
        }

        var broker = new BrokerOptions();
        configuration.GetSection("Broker").Bind(broker, o => o.ErrorOnUnknownConfiguration = true);
        try
        {
            broker.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Broker:{e.ParamName}: {e.Message}", e);
        }

        return new ServeSettings
        {
            EndPoint = new IPEndPoint(address, port),
            Broker = broker,
            SocketThreads = threads,
            RuntimeSockets = runtimeSockets,
            DeferAccept = deferAccept,
            DataDirectory = inMemory ? null : Path.GetFullPath(dataDirectory),
        };
    }
}
