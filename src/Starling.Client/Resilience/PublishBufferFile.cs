using System.Globalization;
using System.Text;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Client.Resilience;

/// <summary>
/// QoS 1/2 messages not yet acknowledged, kept in a file so they survive a restart of the application. An append-only
/// journal of lines, <c>+ seq qos retain topic payload [name=value ...] .</c> when a message is accepted (strings and
/// bytes in base64, the MQTT 5.0 properties as optional named fields, a final dot so a line torn by a crash is
/// recognised) and <c>- seq</c> when it is acknowledged; compacted when loaded, and rewritten whenever acknowledged
/// lines outnumber the live ones twice over (and 1,024), so the file follows the unacknowledged messages, not the
/// history. Each line is written through to the operating system before the message is sent (not fsynced: a power
/// loss can lose the tail).
/// </summary>
internal sealed class PublishBufferFile : IDisposable
{
    private const int MinimumDeadLines = 1024;

    private readonly string _path;

    // The messages the file holds that are not acknowledged yet: what a compaction rewrites.
    private readonly Dictionary<long, PublishPacket> _live = [];
    private StreamWriter? _writer;
    private long _nextSequence = 1;
    private long _deadLines;

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
                if (parts.Length >= 7 && parts[0] == "+" && parts[^1] == "." && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var added))
                {
                    try
                    {
                        live[added] = Parse(parts);
                    }
                    catch (FormatException)
                    {
                        // Not a line this version wrote: ignored rather than guessed at.
                    }
                }
                else if (parts.Length == 2 && parts[0] == "-" && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var removed))
                {
                    live.Remove(removed);
                }
            }
        }

        var result = new List<(long, PublishPacket)>();
        foreach (var packet in live.Values)
        {
            var sequence = _nextSequence++;
            _live.Add(sequence, packet);
            result.Add((sequence, packet));
        }

        Rewrite();
        return result;
    }

    /// <summary>Messages the file holds that are not acknowledged yet.</summary>
    public int LiveCount => _live.Count;

    public long Append(PublishPacket packet)
    {
        var sequence = _nextSequence++;
        _writer?.Write(AddLine(sequence, packet));
        _live[sequence] = packet;
        return sequence;
    }

    public void Remove(long sequence)
    {
        if (!_live.Remove(sequence))
        {
            return;
        }

        _writer?.Write(string.Create(CultureInfo.InvariantCulture, $"- {sequence}\n"));
        if (++_deadLines > MinimumDeadLines && _deadLines > 2L * _live.Count)
        {
            Rewrite();
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>Writes the live messages to a new file and puts it in place atomically (a crash leaves the old or the new one).</summary>
    private void Rewrite()
    {
        _writer?.Dispose();
        var temporary = _path + ".tmp";
        using (var compacted = new StreamWriter(temporary, append: false, new UTF8Encoding(false)))
        {
            foreach (var (sequence, packet) in _live)
            {
                compacted.Write(AddLine(sequence, packet));
            }
        }

        File.Move(temporary, _path, overwrite: true);
        _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        _deadLines = 0;
    }

    private static PublishPacket Parse(string[] parts)
    {
        PayloadFormatIndicator? format = null;
        uint? expiry = null;
        string? contentType = null, responseTopic = null;
        byte[]? correlation = null;
        var userProperties = new List<UserProperty>();
        for (var i = 6; i < parts.Length - 1; i++)
        {
            var field = parts[i];
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            var value = equals < 0 ? throw new FormatException(field) : field[(equals + 1)..];
            switch (field[..equals])
            {
                case "pf": format = (PayloadFormatIndicator)byte.Parse(value, CultureInfo.InvariantCulture); break;
                case "exp": expiry = uint.Parse(value, CultureInfo.InvariantCulture); break;
                case "ct": contentType = Text(value); break;
                case "rt": responseTopic = Text(value); break;
                case "cd": correlation = Convert.FromBase64String(value); break;
                case "up":
                    var colon = value.IndexOf(':', StringComparison.Ordinal);
                    userProperties.Add(new UserProperty(Text(value[..colon]), Text(value[(colon + 1)..])));
                    break;
                default: throw new FormatException(field);
            }
        }

        return new PublishPacket
        {
            Topic = Text(parts[4]),
            Payload = Convert.FromBase64String(parts[5]),
            QoS = (QualityOfService)byte.Parse(parts[2], CultureInfo.InvariantCulture),
            Retain = parts[3] == "1",
            PayloadFormat = format,
            MessageExpiryInterval = expiry,
            ContentType = contentType,
            ResponseTopic = responseTopic,
            CorrelationData = correlation,
            UserProperties = userProperties,
        };
    }

    private static string AddLine(long sequence, PublishPacket packet)
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"+ {sequence} {(byte)packet.QoS} {(packet.Retain ? 1 : 0)} {Base64(packet.Topic)} {Convert.ToBase64String(packet.Payload.Span)}");
        if (packet.PayloadFormat is { } format)
        {
            line.Append(CultureInfo.InvariantCulture, $" pf={(byte)format}");
        }

        if (packet.MessageExpiryInterval is { } expiry)
        {
            line.Append(CultureInfo.InvariantCulture, $" exp={expiry}");
        }

        if (packet.ContentType is { } contentType)
        {
            line.Append(" ct=").Append(Base64(contentType));
        }

        if (packet.ResponseTopic is { } responseTopic)
        {
            line.Append(" rt=").Append(Base64(responseTopic));
        }

        if (packet.CorrelationData is { } correlation)
        {
            line.Append(" cd=").Append(Convert.ToBase64String(correlation));
        }

        foreach (var property in packet.UserProperties)
        {
            line.Append(" up=").Append(Base64(property.Name)).Append(':').Append(Base64(property.Value));
        }

        return line.Append(" .\n").ToString();
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Text(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));
}
