using System.Globalization;
using System.Text;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Resilience;

/// <summary>
/// QoS 1/2 messages not yet acknowledged, kept in a file so they survive a restart of the application. An append-only
/// journal of lines, <c>+ seq qos retain topic payload</c> when a message is accepted and <c>- seq</c> when it is
/// acknowledged (topic and payload in base64); compacted when loaded. Each line is written through to the operating
/// system before the message is sent (not fsynced: a power loss can lose the tail). MQTT 5.0 properties other than
/// the topic, payload, QoS and retain flag are not kept.
/// </summary>
internal sealed class PublishBufferFile : IDisposable
{
    private readonly string _path;
    private StreamWriter? _writer;
    private long _nextSequence = 1;

    public PublishBufferFile(string path) => _path = path;

    /// <summary>Reads what the previous run left, rewrites the file with only that, and opens it for appending.</summary>
    public List<(long Sequence, PublishPacket Packet)> Load()
    {
        var live = new SortedDictionary<long, PublishPacket>();
        if (File.Exists(_path))
        {
            foreach (var line in File.ReadLines(_path))
            {
                var parts = line.Split(' ');
                if (parts.Length == 6 && parts[0] == "+" && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var added))
                {
                    try
                    {
                        live[added] = new PublishPacket
                        {
                            Topic = Encoding.UTF8.GetString(Convert.FromBase64String(parts[4])),
                            Payload = Convert.FromBase64String(parts[5]),
                            QoS = (QualityOfService)byte.Parse(parts[2], CultureInfo.InvariantCulture),
                            Retain = parts[3] == "1",
                        };
                    }
                    catch (FormatException)
                    {
                        // A torn last line from a crash: the message was never sent.
                    }
                }
                else if (parts.Length == 2 && parts[0] == "-" && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var removed))
                {
                    live.Remove(removed);
                }
            }
        }

        var result = new List<(long, PublishPacket)>();
        var temporary = _path + ".tmp";
        using (var compacted = new StreamWriter(temporary, append: false, new UTF8Encoding(false)))
        {
            foreach (var packet in live.Values)
            {
                var sequence = _nextSequence++;
                compacted.Write(AddLine(sequence, packet));
                result.Add((sequence, packet));
            }
        }

        File.Move(temporary, _path, overwrite: true);
        _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        return result;
    }

    public long Append(PublishPacket packet)
    {
        var sequence = _nextSequence++;
        _writer?.Write(AddLine(sequence, packet));
        return sequence;
    }

    public void Remove(long sequence) => _writer?.Write(string.Create(CultureInfo.InvariantCulture, $"- {sequence}\n"));

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }

    private static string AddLine(long sequence, PublishPacket packet) => string.Create(CultureInfo.InvariantCulture,
        $"+ {sequence} {(byte)packet.QoS} {(packet.Retain ? 1 : 0)} {Convert.ToBase64String(Encoding.UTF8.GetBytes(packet.Topic))} {Convert.ToBase64String(packet.Payload.Span)}\n");
}
