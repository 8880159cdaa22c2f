// Client publish throughput, Starling.Client vs MQTTnet's client, against one mosquitto (started here on a free port,
// or given with --host/--port). Same rules for both clients:
//   QoS 0: N publishes of a 64-byte payload, each PublishAsync awaited in turn; then one QoS 1 publish as a barrier
//          (the broker handles a connection's packets in order, so its PUBACK means every QoS 0 message before it
//          reached the broker). Time = first publish to barrier PUBACK.
//   QoS 1: N publishes with at most K outstanding (a semaphore of K; each completion releases a slot). Time = first
//          publish to last PUBACK.
// MQTT 5.0 for both; mosquitto's max_inflight_messages is set to K so its Receive Maximum allows the window.
// Each (client, QoS) is run R times, alternating clients; the median is reported.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Starling.Client;
using Starling.Protocol;

var arguments = args.ToList();
string Arg(string name, string fallback)
{
    var index = arguments.IndexOf(name);
    return index >= 0 && index + 1 < arguments.Count ? arguments[index + 1] : fallback;
}

var messages0 = int.Parse(Arg("--qos0-messages", "300000"), CultureInfo.InvariantCulture);
var messages1 = int.Parse(Arg("--qos1-messages", "100000"), CultureInfo.InvariantCulture);
var window = int.Parse(Arg("--window", "100"), CultureInfo.InvariantCulture);
var runs = int.Parse(Arg("--runs", "3"), CultureInfo.InvariantCulture);
var host = Arg("--host", "127.0.0.1");
var port = int.Parse(Arg("--port", "0"), CultureInfo.InvariantCulture);
Process? mosquitto = null;
string? directory = null;
if (port == 0)
{
    (mosquitto, port, directory) = StartMosquitto(window);
}

var payload = new byte[64];
Random.Shared.NextBytes(payload);
try
{
    var results = new Dictionary<string, List<double>>();
    void Record(string key, double rate)
    {
        if (!results.TryGetValue(key, out var list))
        {
            results[key] = list = [];
        }

        list.Add(rate);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key}: {rate:N0} msg/s"));
    }

    // A warm-up round so both clients are jitted before anything is measured.
    await StarlingRunAsync(host, port, payload, 20_000, QualityOfService.AtMostOnce, window);
    await MqttNetRunAsync(host, port, payload, 20_000, MqttQualityOfServiceLevel.AtMostOnce, window);
    await StarlingRunAsync(host, port, payload, 20_000, QualityOfService.AtLeastOnce, window);
    await MqttNetRunAsync(host, port, payload, 20_000, MqttQualityOfServiceLevel.AtLeastOnce, window);
    for (var run = 1; run <= runs; run++)
    {
        Console.WriteLine($"run {run}");
        Record("Starling QoS 0", await StarlingRunAsync(host, port, payload, messages0, QualityOfService.AtMostOnce, window));
        Record("MQTTnet QoS 0", await MqttNetRunAsync(host, port, payload, messages0, MqttQualityOfServiceLevel.AtMostOnce, window));
        Record("Starling QoS 1", await StarlingRunAsync(host, port, payload, messages1, QualityOfService.AtLeastOnce, window));
        Record("MQTTnet QoS 1", await MqttNetRunAsync(host, port, payload, messages1, MqttQualityOfServiceLevel.AtLeastOnce, window));
    }

    double Median(string key)
    {
        var sorted = results[key].Order().ToList();
        return sorted[sorted.Count / 2];
    }

    Console.WriteLine();
    Console.WriteLine($"| QoS | messages | Starling.Client msg/s | MQTTnet msg/s | ratio |   (median of {runs}, 64 B payload, window {window} for QoS 1)");
    Console.WriteLine("|---|---|---|---|---|");
    foreach (var (qos, count) in new[] { (0, messages0), (1, messages1) })
    {
        var starling = Median($"Starling QoS {qos}");
        var mqttnet = Median($"MQTTnet QoS {qos}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {qos} | {count:N0} | {starling:N0} | {mqttnet:N0} | {starling / mqttnet:0.00}x |"));
    }
}
finally
{
    if (mosquitto is not null)
    {
        mosquitto.Kill();
        await mosquitto.WaitForExitAsync();
        Directory.Delete(directory!, recursive: true);
    }
}

static async Task<double> StarlingRunAsync(string host, int port, byte[] payload, int count, QualityOfService qos, int window)
{
    await using var client = new Starling.Client.MqttClient(new Starling.Client.MqttClientOptions
    {
        Server = new Uri($"mqtt://{host}:{port}"),
        ClientId = "starling-bench",
        Reconnect = new MqttReconnectOptions { Enabled = false },
    });
    await client.ConnectAsync();
    var message = new MqttMessage { Topic = "bench/starling", Payload = payload, QoS = qos };
    var stopwatch = Stopwatch.StartNew();
    if (qos == QualityOfService.AtMostOnce)
    {
        for (var i = 0; i < count; i++)
        {
            await client.PublishAsync(message);
        }

        await client.PublishAsync(new MqttMessage { Topic = "bench/starling", Payload = payload, QoS = QualityOfService.AtLeastOnce });
    }
    else
    {
        await PublishWindowedAsync(count, window, async () => await client.PublishAsync(message));
    }

    var elapsed = stopwatch.Elapsed.TotalSeconds;
    await client.DisconnectAsync();
    return count / elapsed;
}

static async Task<double> MqttNetRunAsync(string host, int port, byte[] payload, int count, MqttQualityOfServiceLevel qos, int window)
{
    using var client = new MqttClientFactory().CreateMqttClient();
    var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithProtocolVersion(MqttProtocolVersion.V500)
        .WithClientId("mqttnet-bench").Build();
    await client.ConnectAsync(options);
    var message = new MqttApplicationMessageBuilder().WithTopic("bench/mqttnet").WithPayload(payload).WithQualityOfServiceLevel(qos).Build();
    var stopwatch = Stopwatch.StartNew();
    if (qos == MqttQualityOfServiceLevel.AtMostOnce)
    {
        for (var i = 0; i < count; i++)
        {
            await client.PublishAsync(message);
        }

        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("bench/mqttnet").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }
    else
    {
        await PublishWindowedAsync(count, window, async () => await client.PublishAsync(message));
    }

    var elapsed = stopwatch.Elapsed.TotalSeconds;
    await client.DisconnectAsync();
    return count / elapsed;
}

// The same rule for both clients: at most `window` publishes outstanding, each started as soon as a slot frees.
static async Task PublishWindowedAsync(int count, int window, Func<Task> publish)
{
    using var slots = new SemaphoreSlim(window);
    var pending = new List<Task>(count);
    for (var i = 0; i < count; i++)
    {
        await slots.WaitAsync();
        pending.Add(PublishAndReleaseAsync());
    }

    await Task.WhenAll(pending);

    async Task PublishAndReleaseAsync()
    {
        try
        {
            await publish();
        }
        finally
        {
            slots.Release();
        }
    }
}

static (Process Process, int Port, string Directory) StartMosquitto(int window)
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    var directory = Directory.CreateTempSubdirectory("starling-bench-").FullName;
    var config = Path.Combine(directory, "mosquitto.conf");
    File.WriteAllText(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages {window}\nmax_queued_messages 100000\n");
    var process = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", config]) { UseShellExecute = false, RedirectStandardError = true })!;
    for (var attempt = 0; attempt < 100; attempt++)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return (process, port, directory);
        }
        catch (SocketException)
        {
            Thread.Sleep(50);
        }
    }

    throw new InvalidOperationException("mosquitto did not start");
}
