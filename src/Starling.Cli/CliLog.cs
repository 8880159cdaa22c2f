using System.Net;
using Microsoft.Extensions.Logging;

namespace Starling.Cli;

internal static partial class CliLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Starling listening for MQTT on {EndPoint} ({Engine}); store: {Store}")]
    public static partial void Listening(ILogger logger, IPEndPoint endPoint, string? engine, string store);
}
