using System.Globalization;
using System.Text;
using Starling.Protocol;
using Starling.Protocol.Packets;

namespace Starling.Cli.Client;

/// <summary>
/// MQTT 5.0 properties given with mosquitto's <c>-D command identifier value</c> syntax, e.g.
/// <c>-D connect session-expiry-interval 60</c>, <c>-D publish user-property name value</c>.
/// </summary>
internal sealed class CliProperties
{
    public uint? SessionExpiryInterval { get; private set; }

    public ushort? ReceiveMaximum { get; private set; }

    public uint? MaximumPacketSize { get; private set; }

    public ushort? TopicAliasMaximum { get; private set; }

    public bool? RequestResponseInformation { get; private set; }

    public bool? RequestProblemInformation { get; private set; }

    public List<UserProperty> ConnectUserProperties { get; } = [];

    public PublishProperties Publish { get; } = new();

    public PublishProperties Will { get; } = new();

    public uint? WillDelayInterval { get; private set; }

    public int? SubscriptionIdentifier { get; private set; }

    public List<UserProperty> SubscribeUserProperties { get; } = [];

    /// <summary>Reads the flat token list of every <c>-D</c>; throws <see cref="ArgumentException"/> with a one-line message.</summary>
    public static CliProperties Parse(IReadOnlyList<string> tokens)
    {
        var properties = new CliProperties();
        var i = 0;
        while (i < tokens.Count)
        {
            if (i + 2 >= tokens.Count)
            {
                throw new ArgumentException($"-D needs a command, a property and a value: '{string.Join(' ', tokens.Skip(i))}'.");
            }

            var command = tokens[i];
            var name = tokens[i + 1];
            var value = tokens[i + 2];
            i += 3;
            string? second = null;
            if (name == "user-property")
            {
                if (i >= tokens.Count)
                {
                    throw new ArgumentException($"-D {command} user-property needs a name and a value.");
                }

                second = tokens[i++];
            }

            properties.Apply(command, name, value, second);
        }

        return properties;
    }

    private void Apply(string command, string name, string value, string? second)
    {
        switch (command, name)
        {
            case ("connect", "session-expiry-interval"):
                SessionExpiryInterval = UInt(value, name);
                break;
            case ("connect", "receive-maximum"):
                ReceiveMaximum = (ushort)Range(value, name, 1, ushort.MaxValue);
                break;
            case ("connect", "maximum-packet-size"):
                MaximumPacketSize = UInt(value, name);
                break;
            case ("connect", "topic-alias-maximum"):
                TopicAliasMaximum = (ushort)Range(value, name, 0, ushort.MaxValue);
                break;
            case ("connect", "request-response-information"):
                RequestResponseInformation = Range(value, name, 0, 1) == 1;
                break;
            case ("connect", "request-problem-information"):
                RequestProblemInformation = Range(value, name, 0, 1) == 1;
                break;
            case ("connect", "user-property"):
                ConnectUserProperties.Add(new UserProperty(value, second!));
                break;
            case ("subscribe", "subscription-identifier"):
                SubscriptionIdentifier = (int)Range(value, name, 1, 268_435_455);
                break;
            case ("subscribe", "user-property"):
                SubscribeUserProperties.Add(new UserProperty(value, second!));
                break;
            case ("will", "will-delay-interval"):
                WillDelayInterval = UInt(value, name);
                break;
            case ("publish", _):
                Publish.Apply(command, name, value, second);
                break;
            case ("will", _):
                Will.Apply(command, name, value, second);
                break;
            default:
                throw new ArgumentException($"-D: unknown or unsupported property '{name}' for '{command}'.");
        }
    }

    private static uint UInt(string value, string name) => (uint)Range(value, name, 0, uint.MaxValue);

    private static long Range(string value, string name, long min, long max) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"-D {name}: '{value}' is not a number from {min} to {max}.");

    /// <summary>The properties of a PUBLISH (or of the will).</summary>
    internal sealed class PublishProperties
    {
        public PayloadFormatIndicator? PayloadFormat { get; private set; }

        public uint? MessageExpiryInterval { get; private set; }

        public string? ContentType { get; private set; }

        public string? ResponseTopic { get; private set; }

        public byte[]? CorrelationData { get; private set; }

        public List<UserProperty> UserProperties { get; } = [];

        public void Apply(string command, string name, string value, string? second)
        {
            switch (name)
            {
                case "payload-format-indicator":
                    PayloadFormat = (PayloadFormatIndicator)Range(value, name, 0, 1);
                    break;
                case "message-expiry-interval":
                    MessageExpiryInterval = UInt(value, name);
                    break;
                case "content-type":
                    ContentType = value;
                    break;
                case "response-topic":
                    ResponseTopic = value;
                    break;
                case "correlation-data":
                    CorrelationData = Encoding.UTF8.GetBytes(value);
                    break;
                case "user-property":
                    UserProperties.Add(new UserProperty(value, second!));
                    break;
                default:
                    throw new ArgumentException($"-D: unknown or unsupported property '{name}' for '{command}'.");
            }
        }
    }
}
