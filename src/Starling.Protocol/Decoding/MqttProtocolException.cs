namespace Starling.Protocol.Decoding;

/// <summary>Raised inside the decoders for a packet that breaks the specification; the public Try APIs turn it into a <see cref="MqttProtocolError"/>.</summary>
public sealed class MqttProtocolException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public MqttProtocolException(MqttProtocolError error)
        : base(error.ToString())
    {
        Error = error;
    }

    /// <summary>Creates an exception for a malformed packet.</summary>
    public MqttProtocolException()
        : this(new MqttProtocolError(ReasonCode.MalformedPacket, "§4.13", "Malformed packet"))
    {
    }

    /// <summary>Creates an exception for a malformed packet with a message.</summary>
    public MqttProtocolException(string message)
        : this(new MqttProtocolError(ReasonCode.MalformedPacket, "§4.13", message))
    {
    }

    /// <summary>Creates an exception for a malformed packet with a message and inner exception.</summary>
    public MqttProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new MqttProtocolError(ReasonCode.MalformedPacket, "§4.13", message);
    }

    /// <summary>The reason code and rule.</summary>
    public MqttProtocolError Error { get; }
}
