namespace Starling.Protocol.Packets;

/// <summary>An MQTT 5.0 User Property: a name/value pair; the order and duplicates are preserved [MQTT-3.3.2-18].</summary>
/// <param name="Name">The property name.</param>
/// <param name="Value">The property value.</param>
public readonly record struct UserProperty(string Name, string Value);
