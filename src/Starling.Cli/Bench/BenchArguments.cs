using System.CommandLine;
using System.Text.Json;
using Starling.Protocol;

namespace Starling.Cli.Bench;

/// <summary>
/// Argument checks and the exit-code contract of every bench subcommand: 0 ok, 1 loss at QoS 1/2 or a connection
/// error, 2 bad arguments (one line on standard error).
/// </summary>
internal static class BenchArguments
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadArguments = 2;

    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    public static QualityOfService QoS(int value)
    {
        Require(value is >= 0 and <= 2, "--qos must be 0, 1 or 2");
        return (QualityOfService)value;
    }

    public static int Payload(int value)
    {
        Require(value is >= BenchPayload.HeaderSize and <= 16 * 1024 * 1024, $"--payload must be {BenchPayload.HeaderSize} to 16,777,216 bytes (the first {BenchPayload.HeaderSize} carry sequence, time and publisher)");
        return value;
    }

    public static TimeSpan Seconds(string name, double value, bool allowZero = false)
    {
        Require(allowZero ? value >= 0 : value > 0, $"{name} must be {(allowZero ? "0 or more" : "more than 0")} seconds");
        return TimeSpan.FromSeconds(value);
    }

    public static string Topic(string? pattern, bool filter)
    {
        Require(!string.IsNullOrEmpty(pattern), "--topic must not be empty");
        Require(filter || (!pattern!.Contains('+', StringComparison.Ordinal) && !pattern.Contains('#', StringComparison.Ordinal)), "--topic of a publisher must not contain + or #");
        return pattern!;
    }

    public static string? SharedGroup(string? group)
    {
        Require(group is null || (group.Length > 0 && group.IndexOfAny(['/', '+', '#']) < 0), "--shared: the group name must be non-empty, without / + #");
        return group;
    }

    /// <summary>
    /// Runs one subcommand: bad arguments exit 2, connection failures exit 1 with the reason, otherwise the result is
    /// printed (text or JSON) and <paramref name="failed"/> decides between 0 and 1.
    /// </summary>
    public static async Task<int> RunAsync<T>(Func<Task<T>> run, bool json, Func<T, string> text, Func<T, bool> failed)
    {
        try
        {
            var result = await run().ConfigureAwait(false);
            Console.WriteLine(json ? JsonSerializer.Serialize(result) : text(result));
            return failed(result) ? Failed : Ok;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"starling bench: {e.Message}").ConfigureAwait(false);
            return BadArguments;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidOperationException or InvalidDataException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"starling bench: {e.Message}").ConfigureAwait(false);
            return Failed;
        }
    }

    /// <summary>
    /// A command-line parse error under <c>bench</c> (unknown option, bad number, unknown scenario) as one line and exit
    /// code 2; null when <paramref name="parsed"/> is not such an error.
    /// </summary>
    public static int? ReportParseError(ParseResult parsed)
    {
        if (parsed.Errors.Count == 0)
        {
            return null;
        }

        for (var command = parsed.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (command.Command.Name == "bench")
            {
                // One line: some messages list the allowed values on lines of their own.
                var message = string.Join(' ', parsed.Errors[0].Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                Console.Error.WriteLine($"starling bench: {message}");
                return BadArguments;
            }
        }

        return null;
    }
}
