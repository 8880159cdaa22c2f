namespace Starling.Client.Tests.Support;

/// <summary>Helpers that read like a transcript: connect, expect a message, expect nothing.</summary>
internal static class ClientTestExtensions
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The next received message, or a timeout failure.</summary>
    public static async Task<MqttMessage> ExpectMessageAsync(this MqttClient client, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            await foreach (var message in client.ReadMessagesAsync(cts.Token))
            {
                return message;
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"No message within {(timeout ?? Timeout).TotalSeconds} s.");
    }

    /// <summary>Collects <paramref name="count"/> messages.</summary>
    public static async Task<List<MqttMessage>> ExpectMessagesAsync(this MqttClient client, int count, TimeSpan? timeout = null)
    {
        var messages = new List<MqttMessage>();
        while (messages.Count < count)
        {
            messages.Add(await client.ExpectMessageAsync(timeout));
        }

        return messages;
    }

    /// <summary>Asserts no message arrives within <paramref name="window"/>.</summary>
    public static async Task ExpectNoMessageAsync(this MqttClient client, TimeSpan window)
    {
        using var cts = new CancellationTokenSource(window);
        try
        {
            await foreach (var message in client.ReadMessagesAsync(cts.Token))
            {
                Assert.Fail($"Unexpected message on {message.Topic}: {message.PayloadAsString()}");
            }
        }
        catch (OperationCanceledException)
        {
            // Nothing came: as expected.
        }
    }

    public static MqttClientOptions Options(Uri server, string clientId, Protocol.ProtocolVersion version = Protocol.ProtocolVersion.V500) => new()
    {
        Server = server,
        ClientId = clientId,
        ProtocolVersion = version,
        KeepAlive = TimeSpan.FromSeconds(30),
        Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaximumDelay = TimeSpan.FromMilliseconds(500) },
    };

    public static async Task<MqttClient> ConnectedAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var client = new MqttClient(options);
        await client.ConnectAsync(cancellationToken);
        return client;
    }
}
