namespace Starling.Protocol.Packets;

/// <summary>One topic filter of a SUBSCRIBE with its subscription options [MQTT-3.8.3.1].</summary>
/// <param name="TopicFilter">The topic filter, possibly <c>$share/{group}/{filter}</c>.</param>
/// <param name="MaximumQoS">The maximum QoS the client wants to receive at.</param>
public readonly record struct TopicSubscription(string TopicFilter, QualityOfService MaximumQoS)
{
    /// <summary>MQTT 5.0 No Local: do not send the client its own publications.</summary>
    public bool NoLocal { get; init; }

    /// <summary>MQTT 5.0 Retain As Published: keep the RETAIN flag as published instead of clearing it.</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>MQTT 5.0 Retain Handling.</summary>
    public RetainHandling RetainHandling { get; init; }
}
