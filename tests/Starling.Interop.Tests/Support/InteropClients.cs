using System.Reflection;
using Starling.TestKit;

namespace Starling.Interop.Tests.Support;

/// <summary>
/// Starts the real clients these tests drive: Debian's mosquitto_pub and mosquitto_sub, paho-mqtt scripts under
/// Debian's Python, MQTT.js scripts under node. Every one is pointed at 127.0.0.1 and the port given.
/// </summary>
internal static class InteropClients
{
    /// <summary>How long any one step of a client (an output line, an exit) may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public const string MosquittoPub = "/usr/bin/mosquitto_pub";
    public const string MosquittoSub = "/usr/bin/mosquitto_sub";
    public const string Python = "/usr/bin/python3";
    public const string Node = "/usr/bin/node";

    private static readonly string PythonDirectory = Path.Combine(AppContext.BaseDirectory, "python");

    private static readonly string JsDirectory = typeof(InteropClients).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "InteropJsDirectory").Value!;

    public static ExternalProcess StartMosquittoPub(int port, IEnumerable<string> arguments, bool redirectInput = false) =>
        ExternalProcess.Start(Require(MosquittoPub, "Debian's mosquitto-clients"), ["-h", "127.0.0.1", "-p", Port(port), .. arguments], redirectInput: redirectInput);

    public static ExternalProcess StartMosquittoSub(int port, IEnumerable<string> arguments) =>
        ExternalProcess.Start(Require(MosquittoSub, "Debian's mosquitto-clients"), ["-h", "127.0.0.1", "-p", Port(port), .. arguments]);

    /// <summary>Runs python/<paramref name="script"/> unbuffered (-u) and without writing bytecode (-B).</summary>
    public static ExternalProcess StartPaho(string script, int port, IEnumerable<string> arguments) =>
        ExternalProcess.Start(Require(Python, "Debian's python3-paho-mqtt"),
            ["-u", "-B", Path.Combine(PythonDirectory, script), "--host", "127.0.0.1", "--port", Port(port), .. arguments], PythonDirectory);

    /// <summary>Runs js/<paramref name="script"/> where it is, next to the node_modules that npm ci installs.</summary>
    public static ExternalProcess StartMqttJs(string script, int port, IEnumerable<string> arguments)
    {
        if (!File.Exists(Path.Combine(JsDirectory, "node_modules", "mqtt", "package.json")))
        {
            throw new InvalidOperationException($"MQTT.js is not installed: run `npm ci` in {JsDirectory} (test.sh does).");
        }

        return ExternalProcess.Start(Require(Node, "node"),
            [Path.Combine(JsDirectory, script), "--host", "127.0.0.1", "--port", Port(port), .. arguments], JsDirectory);
    }

    /// <summary>Waits for the process to exit and fails, with its transcript, unless the exit code is 0.</summary>
    public static async Task ExpectSuccessAsync(this ExternalProcess process, CancellationToken cancellationToken)
    {
        var code = await process.WaitForExitAsync(Timeout, cancellationToken);
        Assert.True(code == 0, $"Exit code {code}. {process.Transcript()}");
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Require(string path, string what) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: install {what} (test.sh does).");
}
