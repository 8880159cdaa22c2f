using Starling.Client;
using Starling.Protocol;

namespace Starling.Cli.Client;

/// <summary>Turns a failure into one line on standard error and an exit code.</summary>
internal static class CliErrors
{
    public static async Task<int> ReportAsync(string command, Exception exception)
    {
        var (code, message) = exception switch
        {
            ArgumentException e => (ExitCodes.Usage, e.Message),
            MqttClientException { ReasonCode: { } reason } e when e.Message.StartsWith("Connection refused", StringComparison.Ordinal)
                || e.Message.StartsWith("The broker refused the connection", StringComparison.Ordinal)
                || e.Message.StartsWith("The broker asked for an AUTH exchange", StringComparison.Ordinal) =>
                (ExitCodes.ConnectRefused, AuthHint(reason, e.Message)),
            MqttClientException e when e.Message.StartsWith("Cannot connect", StringComparison.Ordinal) || e.Message.StartsWith("No CONNACK", StringComparison.Ordinal)
                || e.Message.StartsWith("The broker closed the connection before CONNACK", StringComparison.Ordinal)
                || e.Message.StartsWith("The broker sent a malformed packet", StringComparison.Ordinal)
                || e.Message.StartsWith("Expected CONNACK", StringComparison.Ordinal) => (ExitCodes.ConnectFailed, e.Message),
            MqttClientException e when e.Message.StartsWith("Connection lost", StringComparison.Ordinal) => (ExitCodes.ConnectionLost, e.Message),
            MqttClientException e => (ExitCodes.Rejected, e.Message),
            IOException e => (ExitCodes.Usage, e.Message),
            _ => (ExitCodes.ConnectionLost, exception.Message),
        };
        await Console.Error.WriteLineAsync($"starling {command}: {message}").ConfigureAwait(false);
        return code;
    }

    private static string AuthHint(ReasonCode reason, string message) => reason switch
    {
        ReasonCode.BadUserNameOrPassword or ReasonCode.NotAuthorized or ReasonCode.BadAuthenticationMethod or ReasonCode.Banned =>
            $"authentication failed: {message}",
        _ => message,
    };
}
