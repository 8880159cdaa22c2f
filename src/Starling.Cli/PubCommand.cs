using System.CommandLine;
using System.Text;
using Starling.Cli.Client;
using Starling.Client;
using Starling.Protocol;

namespace Starling.Cli;

/// <summary><c>starling pub</c>: publishes one message, a file, standard input, or one message per line, as mosquitto_pub does.</summary>
internal static class PubCommand
{
    public static Command Create()
    {
        var flags = new ClientFlags();
        var topic = new Option<string?>("--topic", "-t") { Description = "Topic to publish to." };
        var message = new Option<string?>("--message", "-m") { Description = "Message payload." };
        var file = new Option<string?>("--file", "-f") { Description = "Send the contents of a file as the message." };
        var lines = new Option<bool>("--line-mode", "-l") { Description = "Send each line of standard input as a message." };
        var nullMessage = new Option<bool>("--null-message", "-n") { Description = "Send an empty message." };
        var stdin = new Option<bool>("--stdin-file", "-s") { Description = "Send all of standard input as one message." };
        var retain = new Option<bool>("--retain", "-r") { Description = "Retain the message." };
        var command = new Command("pub", "Publish MQTT messages (flags as mosquitto_pub).") { topic, message, file, lines, nullMessage, stdin, retain };
        flags.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, flags, result.GetValue(topic), result.GetValue(message), result.GetValue(file),
            result.GetValue(lines), result.GetValue(nullMessage), result.GetValue(stdin), result.GetValue(retain), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ClientFlags flags, string? topic, string? message, string? file, bool lines, bool nullMessage,
        bool stdin, bool retain, CancellationToken cancellationToken)
    {
        MqttClient? client = null;
        var publishing = false;
        try
        {
            var properties = CliProperties.Parse(result.GetValue(flags.Properties) ?? []);
            var options = flags.Build(result, properties, out var urlTopic);
            // No reconnect: a connection lost before the acknowledgement fails the publish ("Connection lost", exit 5).
            options.Reconnect.Enabled = false;
            topic ??= urlTopic ?? throw new ArgumentException("-t: a topic is required.");
            var sources = (message is null ? 0 : 1) + (file is null ? 0 : 1) + (lines ? 1 : 0) + (nullMessage ? 1 : 0) + (stdin ? 1 : 0);
            if (sources != 1)
            {
                throw new ArgumentException("Give exactly one of -m, -f, -l, -n or -s.");
            }

            var qos = (QualityOfService)result.GetValue(flags.Qos);
            var payload = message is not null ? Encoding.UTF8.GetBytes(message)
                : file is not null ? await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false)
                : stdin ? await ReadAllStandardInputAsync(cancellationToken).ConfigureAwait(false)
                : [];
            client = new MqttClient(options);
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (lines)
            {
                using var input = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
                while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    publishing = true;
                    await PublishAsync(client, Message(topic, Encoding.UTF8.GetBytes(line), qos, retain, properties), cancellationToken).ConfigureAwait(false);
                    publishing = false;
                }
            }
            else
            {
                publishing = true;
                await PublishAsync(client, Message(topic, payload, qos, retain, properties), cancellationToken).ConfigureAwait(false);
                publishing = false;
            }

            await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted while idle (-l waiting for a line) is a normal end; with a message still unacknowledged it is not.
            if (client is { PendingPublishCount: > 0 } || publishing)
            {
                await Console.Error.WriteLineAsync("starling pub: interrupted before every message was acknowledged.").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }

            return ExitCodes.Success;
        }
        catch (Exception e) when (e is ArgumentException or MqttClientException or IOException or UnauthorizedAccessException)
        {
            return await CliErrors.ReportAsync("pub", e is UnauthorizedAccessException ? new IOException(e.Message) : e).ConfigureAwait(false);
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task PublishAsync(MqttClient client, MqttMessage message, CancellationToken cancellationToken)
    {
        var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new MqttClientException($"The broker refused the publish: {result.ReasonCode} (0x{(byte)result.ReasonCode:X2}){(result.ReasonString is null ? "" : $" ({result.ReasonString})")}.",
                result.ReasonCode);
        }
    }

    private static MqttMessage Message(string topic, byte[] payload, QualityOfService qos, bool retain, CliProperties properties) => new()
    {
        Topic = topic,
        Payload = payload,
        QoS = qos,
        Retain = retain,
        PayloadFormat = properties.Publish.PayloadFormat,
        MessageExpiryInterval = properties.Publish.MessageExpiryInterval,
        ContentType = properties.Publish.ContentType,
        ResponseTopic = properties.Publish.ResponseTopic,
        CorrelationData = properties.Publish.CorrelationData,
        UserProperties = properties.Publish.UserProperties,
    };

    private static async Task<byte[]> ReadAllStandardInputAsync(CancellationToken cancellationToken)
    {
        using var input = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
