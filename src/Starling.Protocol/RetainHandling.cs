namespace Starling.Protocol;

/// <summary>MQTT 5.0 subscription option: when retained messages are sent on subscribe [MQTT-3.8.3.1].</summary>
public enum RetainHandling : byte
{
    /// <summary>Send retained messages at the time of the subscribe.</summary>
    SendAtSubscribe = 0,

    /// <summary>Send retained messages at subscribe only if the subscription does not currently exist.</summary>
    SendAtSubscribeIfNew = 1,

    /// <summary>Do not send retained messages at the time of the subscribe.</summary>
    DoNotSend = 2,
}
