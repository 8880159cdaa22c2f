using Microsoft.Extensions.Logging;

namespace Starling.Broker.Diagnostics;

/// <summary>Source-generated log messages with stable event ids.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Client {ClientId} connected from {Remote} with MQTT {Version}, clean={Clean}, session present={SessionPresent}")]
    public static partial void ClientConnected(ILogger logger, string clientId, string remote, Protocol.ProtocolVersion version, bool clean, bool sessionPresent);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Client {ClientId} disconnected from {Remote}: {Reason}")]
    public static partial void ClientDisconnected(ILogger logger, string clientId, string remote, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Connection from {Remote} refused: {Reason}")]
    public static partial void ConnectRefused(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Client {ClientId} from {Remote} broke the protocol: {Error}")]
    public static partial void ProtocolViolation(ILogger logger, string clientId, string remote, string error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Connection from {Remote} failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, string remote);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Session {ClientId} expired")]
    public static partial void SessionExpired(ILogger logger, string clientId);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "An event handler threw")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Housekeeping failed; it runs again at the next tick")]
    public static partial void HousekeepingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Client {ClientId} subscribed to {Filter} at QoS {QoS}")]
    public static partial void Subscribed(ILogger logger, string clientId, string filter, Protocol.QualityOfService qoS);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Client {ClientId} published to {Topic} at QoS {QoS}: {Subscribers} subscribers")]
    public static partial void Published(ILogger logger, string clientId, string topic, Protocol.QualityOfService qoS, int subscribers);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Loaded {Sessions} sessions, {Deliveries} queued or in-flight messages and {Retained} retained messages from the {Store}")]
    public static partial void StoreLoaded(ILogger logger, string store, int sessions, int deliveries, int retained);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Writing {Changes} changes to the {Store} failed; acknowledgements that wait for them are held and the write is retried")]
    public static partial void StoreWriteFailed(ILogger logger, Exception exception, string store, int changes);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "The {Store} could not take the last {Changes} changes before shutdown; they are lost")]
    public static partial void StoreChangesLost(ILogger logger, string store, int changes);
}
