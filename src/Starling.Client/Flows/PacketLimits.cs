using Starling.Protocol;
using Starling.Protocol.Encoders;
using Starling.Protocol.Packets;

namespace Starling.Client.Flows;

/// <summary>
/// Checks, on the caller's thread, that a packet can be encoded at all: every UTF-8 string at most 65,535 bytes
/// (§1.5.4) and a Remaining Length of at most 268,435,455 (§2.1.4). The encoders throw on such packets;
/// inside the writer loop that would end the connection, so the application gets the exception instead.
/// </summary>
internal static class PacketLimits
{
    /// <summary>Largest whole packet: a fixed header byte, a 4-byte Remaining Length, and 268,435,455 bytes.</summary>
    private const long MaximumPacketSize = 1 + 4 + 268_435_455;

    /// <summary>
    /// The encoded size of <paramref name="message"/> as the writer may send it (with a packet identifier and a topic
    /// alias); throws <see cref="ArgumentException"/> when it cannot be encoded.
    /// </summary>
    public static long PublishSize(PublishPacket message, ProtocolVersion version)
    {
        if (version == ProtocolVersion.V500 && message.CorrelationData is { Length: > ushort.MaxValue })
        {
            throw new ArgumentException("The correlation data exceeds the 65,535 bytes of MQTT Binary Data (§1.5.6).", nameof(message));
        }

        long size;
        try
        {
            size = PublishEncoder.GetSize(message, version, new PublishOverrides
            {
                QoS = message.QoS,
                Retain = message.Retain,
                PacketId = 1,
                // The writer may add a Topic Alias property (3 bytes): count it, so a packet at the limit still fits.
                TopicAlias = version == ProtocolVersion.V500 ? (ushort)1 : (ushort)0,
                MessageExpiryInterval = message.MessageExpiryInterval,
            });
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The message cannot be encoded: {e.Message}", nameof(message), e);
        }

        if (size < 0 || size > MaximumPacketSize)
        {
            throw new ArgumentException("The message exceeds the Remaining Length of 268,435,455 bytes an MQTT packet allows (§2.1.4).", nameof(message));
        }

        return size;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="parameter"/> when the packet cannot be encoded.</summary>
    public static void Check(IMqttPacket packet, ProtocolVersion version, string parameter)
    {
        long size;
        try
        {
            size = PacketEncoder.GetSize(packet, version);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The request cannot be encoded: {e.Message}", parameter, e);
        }

        if (size < 0 || size > MaximumPacketSize)
        {
            throw new ArgumentException("The request exceeds the Remaining Length of 268,435,455 bytes an MQTT packet allows (§2.1.4).", parameter);
        }
    }
}
