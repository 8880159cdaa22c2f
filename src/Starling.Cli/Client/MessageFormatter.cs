using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Starling.Client;

namespace Starling.Cli.Client;

/// <summary>
/// Formats a received message for <c>starling sub</c>: the payload; <c>topic payload</c> with -v; mosquitto_sub's
/// <c>-F</c> format strings; one JSON object per line with --json.
/// </summary>
internal static class MessageFormatter
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Plain(MqttMessage message, bool verbose) =>
        verbose ? $"{message.Topic} {message.PayloadAsString()}" : message.PayloadAsString();

    /// <summary>
    /// mosquitto_sub -F: %t topic, %p payload, %q QoS, %r retain, %l length, %x/%X payload in hex, %j JSON, %C content
    /// type, %D correlation data, %E message expiry, %F payload format, %P user properties, %R response topic, %S
    /// subscription identifiers, %I ISO-8601 time, %U Unix time, %% a percent sign; \n, \t, \\ escapes.
    /// </summary>
    public static string Format(string format, MqttMessage message)
    {
        var output = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '%' && i + 1 < format.Length)
            {
                AppendField(output, format[++i], message);
            }
            else if (c == '\\' && i + 1 < format.Length)
            {
                output.Append(format[++i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', var other => other });
            }
            else
            {
                output.Append(c);
            }
        }

        return output.ToString();
    }

    /// <summary>One JSON object: time, topic, qos, retain, payload length, payload (as text when UTF-8), and the v5 properties present.</summary>
    public static string Json(MqttMessage message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("tst", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            json.WriteString("topic", message.Topic);
            json.WriteNumber("qos", (int)message.QoS);
            json.WriteBoolean("retain", message.Retain);
            json.WriteNumber("payloadlen", message.Payload.Length);
            if (IsUtf8(message.Payload.Span))
            {
                json.WriteString("payload", message.PayloadAsString());
            }
            else
            {
                json.WriteBase64String("payload_base64", message.Payload.Span);
            }

            if (message.PayloadFormat is { } format)
            {
                json.WriteNumber("payload-format-indicator", (int)format);
            }

            if (message.MessageExpiryInterval is { } expiry)
            {
                json.WriteNumber("message-expiry-interval", expiry);
            }

            if (message.ContentType is { } contentType)
            {
                json.WriteString("content-type", contentType);
            }

            if (message.ResponseTopic is { } responseTopic)
            {
                json.WriteString("response-topic", responseTopic);
            }

            if (message.CorrelationData is { } correlation)
            {
                json.WriteString("correlation-data", Encoding.UTF8.GetString(correlation));
            }

            if (message.SubscriptionIdentifiers.Count > 0)
            {
                json.WriteStartArray("subscription-identifiers");
                foreach (var id in message.SubscriptionIdentifiers)
                {
                    json.WriteNumberValue(id);
                }

                json.WriteEndArray();
            }

            if (message.UserProperties.Count > 0)
            {
                json.WriteStartArray("user-properties");
                foreach (var property in message.UserProperties)
                {
                    json.WriteStartObject();
                    json.WriteString(property.Name, property.Value);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void AppendField(StringBuilder output, char field, MqttMessage message)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (field)
        {
            case '%': output.Append('%'); break;
            case 't': output.Append(message.Topic); break;
            case 'p': output.Append(message.PayloadAsString()); break;
            case 'q': output.Append((int)message.QoS); break;
            case 'r': output.Append(message.Retain ? '1' : '0'); break;
            case 'l': output.Append(message.Payload.Length); break;
            case 'x': output.Append(Convert.ToHexStringLower(message.Payload.Span)); break;
            case 'X': output.Append(Convert.ToHexString(message.Payload.Span)); break;
            case 'j': output.Append(Json(message)); break;
            case 'C': output.Append(message.ContentType); break;
            case 'D': output.Append(message.CorrelationData is { } c ? Encoding.UTF8.GetString(c) : ""); break;
            case 'E': output.Append(message.MessageExpiryInterval?.ToString(inv)); break;
            case 'F': output.Append(message.PayloadFormat is { } f ? ((int)f).ToString(inv) : ""); break;
            case 'P': output.AppendJoin(' ', message.UserProperties.Select(p => $"{p.Name}:{p.Value}")); break;
            case 'R': output.Append(message.ResponseTopic); break;
            case 'S': output.AppendJoin(',', message.SubscriptionIdentifiers); break;
            case 'I': output.Append(DateTimeOffset.Now.ToString("yyyy-MM-ddTHH:mm:ssK", inv)); break;
            case 'U': output.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0); break;
            default: output.Append('%').Append(field); break;
        }
    }

    private static bool IsUtf8(ReadOnlySpan<byte> payload) => System.Text.Unicode.Utf8.IsValid(payload);
}
