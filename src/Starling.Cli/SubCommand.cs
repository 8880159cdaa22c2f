using System.CommandLine;
using Starling.Cli.Client;
using Starling.Client;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli;

/// <summary><c>starling sub</c>: subscribes and prints messages, as mosquitto_sub does.</summary>
internal static class SubCommand
{
    public static Command Create()
    {
        var flags = new ClientFlags();
        var topics = new Option<string[]>("--topic", "-t") { Description = "Topic filter to subscribe to (repeatable)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print 'topic payload'." };
        var count = new Option<int?>("--count", "-C") { Description = "Exit after this many messages." };
        var timeout = new Option<int?>("--timeout", "-W") { Description = "Exit after this many seconds (exit code 27 if -C was not reached)." };
        var noRetained = new Option<bool>("--retained-skip", "-R") { Description = "Do not print stale (retained) messages." };
        var format = new Option<string?>("--format", "-F") { Description = "Output format: %t topic, %p payload, %q QoS, %r retain, %j JSON, ... (see docs/client.md)." };
        var json = new Option<bool>("--json") { Description = "Print each message as one JSON object per line." };
        var debug = new Option<bool>("--debug", "-d") { Description = "Report connection and subscription events on standard error." };
        var command = new Command("sub", "Subscribe and print MQTT messages (flags as mosquitto_sub).") { topics, verbose, count, timeout, noRetained, format, json, debug };
        flags.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, flags, new Output(result.GetValue(verbose), result.GetValue(format), result.GetValue(json)),
            result.GetValue(topics) ?? [], result.GetValue(count), result.GetValue(timeout), result.GetValue(noRetained), result.GetValue(debug), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, ClientFlags flags, Output output, string[] topics, int? count, int? timeoutSeconds,
        bool noRetained, bool debug, CancellationToken cancellationToken)
    {
        MqttClient? client = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var properties = CliProperties.Parse(result.GetValue(flags.Properties) ?? []);
            var options = flags.Build(result, properties, out var urlTopic);
            if (urlTopic is not null)
            {
                topics = [.. topics, urlTopic];
            }

            if (topics.Length == 0)
            {
                throw new ArgumentException("-t: at least one topic filter is required.");
            }

            if (count is <= 0 || timeoutSeconds is <= 0)
            {
                throw new ArgumentException("-C and -W take a positive number.");
            }

            var qos = (QualityOfService)result.GetValue(flags.Qos);
            client = new MqttClient(options);
            var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Disconnected += (_, e) =>
            {
                if (!e.WillReconnect)
                {
                    lost.TrySetResult(e.Reason);
                }
            };
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            var subscribed = await client.SubscribeAsync([.. topics.Select(t => new TopicSubscription(t, qos))], properties.SubscriptionIdentifier,
                properties.SubscribeUserProperties, cancellationToken).ConfigureAwait(false);
            foreach (var item in subscribed.Items)
            {
                if (!item.IsSuccess)
                {
                    throw new MqttClientException($"The broker refused the subscription to '{item.TopicFilter}': {item.ReasonCode} (0x{(byte)item.ReasonCode:X2}).", item.ReasonCode);
                }

                if (debug)
                {
                    await Console.Error.WriteLineAsync($"starling sub: subscribed to {item.TopicFilter} ({item.ReasonCode})").ConfigureAwait(false);
                }
            }

            if (timeoutSeconds is { } seconds)
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            var printed = 0;
            using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false, NewLine = "\n" };
            try
            {
                await foreach (var message in client.ReadMessagesAsync(timeout.Token).ConfigureAwait(false))
                {
                    if (noRetained && message.Retain)
                    {
                        continue;
                    }

                    await stdout.WriteLineAsync(output.Render(message)).ConfigureAwait(false);
                    await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    if (++printed == count)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (lost.Task.IsCompleted)
                {
                    throw new MqttClientException($"Connection lost: {await lost.Task.ConfigureAwait(false)}");
                }

                await client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                return ExitCodes.Timeout;
            }

            await client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success; // Ctrl+C
        }
        catch (Exception e) when (e is ArgumentException or MqttClientException or IOException)
        {
            return await CliErrors.ReportAsync("sub", e).ConfigureAwait(false);
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed record Output(bool Verbose, string? Format, bool Json)
    {
        public string Render(MqttMessage message) =>
            Json ? MessageFormatter.Json(message) : Format is { } f ? MessageFormatter.Format(f, message) : MessageFormatter.Plain(message, Verbose);
    }
}
