namespace Starling.Client.Tests.Support;

/// <summary>The brokers every client test runs against.</summary>
public enum BrokerKind
{
    /// <summary>Debian's mosquitto: a broker no one here wrote.</summary>
    Mosquitto,

    /// <summary>Starling's own broker, as the real <c>starling serve</c> process.</summary>
    Starling,
}
