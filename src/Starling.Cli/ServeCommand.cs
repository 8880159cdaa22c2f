using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Starling.Broker;
using Starling.Broker.Storage;
using Starling.Server;
using Starling.Storage.Sqlite;

namespace Starling.Cli;

/// <summary>
/// <c>starling serve</c>: runs the broker. Settings come from <c>starling.json</c> (or <c>--config</c>), then
/// <c>STARLING_</c> environment variables (<c>STARLING_Port</c>, <c>STARLING_Broker__MaximumPacketSize</c>), then flags.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port", "-p") { Description = "TCP port for MQTT (default 1883)." };
        var bind = new Option<string?>("--bind", "-b") { Description = "Address to listen on (default 0.0.0.0)." };
        var config = new Option<FileInfo?>("--config", "-c") { Description = "JSON settings file (default ./starling.json if present)." };
        var dataDir = new Option<string?>("--data-dir", "-d") { Description = "Directory of the durable store, starling.db (default ./data)." };
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep nothing on disk: sessions and retained messages are lost at exit." };
        var command = new Command("serve", "Run the MQTT broker.") { port, bind, config, dataDir, inMemory };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(config), result.GetValue(port), result.GetValue(bind), result.GetValue(dataDir), result.GetValue(inMemory), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? configFile, int? port, string? bind, string? dataDir, bool inMemory, CancellationToken cancellationToken)
    {
        ServeSettings settings;
        IConfigurationRoot configuration;
        try
        {
            if (configFile is not null && !configFile.Exists)
            {
                throw new InvalidOperationException($"--config: file {configFile.FullName} does not exist.");
            }

            var flags = new Dictionary<string, string?>();
            if (port is not null)
            {
                flags["Port"] = port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (bind is not null)
            {
                flags["Bind"] = bind;
            }

            if (dataDir is not null)
            {
                flags["DataDir"] = dataDir;
            }

            if (inMemory)
            {
                flags["InMemory"] = "true";
            }

            configuration = new ConfigurationBuilder()
                .AddJsonFile(configFile?.FullName ?? Path.Combine(Directory.GetCurrentDirectory(), "starling.json"), optional: configFile is null)
                .AddEnvironmentVariables("STARLING_")
                .AddInMemoryCollection(flags)
                .Build();
            settings = ServeSettings.From(configuration);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"starling: invalid setting: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        // The store is opened (and checked) before anything else, so a damaged one stops start-up with its own message.
        SqliteStore? store = null;
        try
        {
            if (settings.DataDirectory is not null)
            {
                store = new SqliteStore(Path.Combine(settings.DataDirectory, SqliteStore.FileName), settings.Broker.Sync);
            }
        }
        catch (StoreException e)
        {
            await Console.Error.WriteLineAsync($"starling: {e.Message}").ConfigureAwait(false);
            return 3;
        }

        using var storeLifetime = store;
        SocketThreading.Configure(settings.SocketThreads);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
        });
        builder.Services.AddSingleton(settings.Broker);
        if (store is not null)
        {
            // Registered as an instance: disposed here after the host (and with it the broker, which flushes into it).
            builder.Services.AddSingleton<IBrokerStore>(store);
        }

        builder.Services.AddStarlingBroker();
        builder.Services.AddStarlingTcpListener(settings.EndPoint, o =>
        {
            o.IoThreads = settings.SocketThreads;
            o.UseRuntimeSockets = settings.RuntimeSockets;
            o.DeferAccept = settings.DeferAccept;
        });
        IHost app;
        try
        {
            // Building resolves the broker, which loads the store.
            app = builder.Build();
        }
        catch (StoreException e)
        {
            await Console.Error.WriteLineAsync($"starling: {e.Message}").ConfigureAwait(false);
            return 3;
        }

        using var appLifetime = app;
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"starling: cannot listen on {settings.EndPoint}: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        var storeDescription = store is null ? "in memory (nothing is kept at exit)" : $"{store.Path}, sync {settings.Broker.Sync}";
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("starling");
        var engine = app.Services.GetServices<IHostedService>().OfType<TcpListenerService>().FirstOrDefault()?.Engine;
        CliLog.Listening(logger, settings.EndPoint, engine, storeDescription);
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }
}
