using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Starling.Broker;
using Starling.Broker.Security;
using Starling.Broker.Storage;
using Starling.Storage.Sqlite;

namespace Starling.Server;

/// <summary>Registers the Starling broker with the Generic Host.</summary>
public static class StarlingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="MqttBroker"/> singleton, configured by <paramref name="configure"/>. An
    /// <see cref="IAuthenticator"/> or <see cref="IAuthorizer"/> registered in the container replaces the default
    /// allow-all policy; an <see cref="IBrokerStore"/> makes persistent state durable (see
    /// <see cref="AddStarlingSqliteStore"/>). The broker stops gracefully with the host. Add a listener with
    /// <see cref="AddStarlingTcpListener"/> (any host) or <see cref="ListenMqtt"/> (Kestrel in a web app).
    /// </summary>
    public static IServiceCollection AddStarlingBroker(this IServiceCollection services, Action<BrokerOptions>? configure = null)
    {
        var options = new BrokerOptions();
        configure?.Invoke(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton(provider => new MqttBroker(
            provider.GetRequiredService<BrokerOptions>(),
            provider.GetService<ILoggerFactory>(),
            provider.GetService<IAuthenticator>(),
            provider.GetService<IAuthorizer>(),
            provider.GetService<Starling.Broker.Cluster.IClusterBus>(),
            provider.GetService<IBrokerStore>()));
        services.AddHostedService<BrokerLifetime>();
        return services;
    }

    /// <summary>
    /// Keeps sessions, queued and in-flight messages, retained messages and delayed wills in the SQLite database
    /// <c>starling.db</c> in <paramref name="dataDirectory"/> (created if missing), synced as
    /// <see cref="BrokerOptions.Sync"/> says. A damaged database stops start-up with a <see cref="StoreException"/>.
    /// </summary>
    public static IServiceCollection AddStarlingSqliteStore(this IServiceCollection services, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        services.TryAddSingleton<IBrokerStore>(provider =>
            new SqliteStore(Path.Combine(dataDirectory, SqliteStore.FileName), provider.GetRequiredService<BrokerOptions>().Sync));
        return services;
    }

    /// <summary>
    /// Listens for MQTT over TCP on <paramref name="endPoint"/> with Starling's own socket transport, in any Generic
    /// Host; <paramref name="configure"/> sets its threads and engine.
    /// </summary>
    public static IServiceCollection AddStarlingTcpListener(this IServiceCollection services, IPEndPoint endPoint, Action<TcpListenerOptions>? configure = null)
    {
        var options = new TcpListenerOptions();
        configure?.Invoke(options);
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(provider => new TcpListenerService(
            provider.GetRequiredService<MqttBroker>(), endPoint, provider.GetRequiredService<ILoggerFactory>(), options));
        return services;
    }

    /// <summary>
    /// Kestrel's socket transport tuned for MQTT: the read loop runs inline on the socket's I/O thread instead of
    /// hopping to the thread pool (the broker's read loop never blocks), which keeps packets of one connection on one
    /// thread from socket to router and cuts latency.
    /// </summary>
    public static IWebHostBuilder UseStarlingSockets(this IWebHostBuilder builder) =>
        builder.UseSockets(options => ConfigureSockets(options));

    internal static void ConfigureSockets(SocketTransportOptions options) => options.UnsafePreferInlineScheduling = true;

    /// <summary>Adds an MQTT listener to Kestrel (in a web application alongside HTTP endpoints).</summary>
    public static KestrelServerOptions ListenMqtt(this KestrelServerOptions kestrel, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        kestrel.Listen(endPoint, listen => listen.UseConnectionHandler<MqttConnectionHandler>());
        return kestrel;
    }
}
