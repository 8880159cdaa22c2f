using Microsoft.AspNetCore.Connections;
using Starling.Broker;

namespace Starling.Server;

/// <summary>Hands each Kestrel connection to the broker, which reads and writes its pipes directly.</summary>
public sealed class MqttConnectionHandler : ConnectionHandler
{
    private readonly MqttBroker _broker;

    /// <summary>Creates the handler for <paramref name="broker"/>.</summary>
    public MqttConnectionHandler(MqttBroker broker)
    {
        _broker = broker;
    }

    /// <inheritdoc />
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _broker.RunConnectionAsync(connection.Transport, connection.RemoteEndPoint);
    }
}
