using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Starling.Client.Tests.Support;
using Starling.Protocol;
using Starling.TestKit;

namespace Starling.Client.Tests.Cli;

/// <summary>The real <c>starling pub</c> and <c>starling sub</c> processes against mosquitto and against Starling.</summary>
public sealed class PubSubCommandTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(30);

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto, "mqttv5")]
    [InlineData(BrokerKind.Mosquitto, "mqttv311")]
    [InlineData(BrokerKind.Mosquitto, "mqttv31")]
    [InlineData(BrokerKind.Starling, "mqttv5")]
    [InlineData(BrokerKind.Starling, "mqttv311")]
    [InlineData(BrokerKind.Starling, "mqttv31")]
    public async Task Sub_v_prints_topic_and_payload_of_what_pub_sends_with_m_l_f_and_n_and_exits_0_after_C_messages(BrokerKind kind, string version)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);
        await using var sub = await StartSubAsync(["-h", "127.0.0.1", "-p", port, "-V", version, "-t", "cli/#", "-q", "1", "-v", "-C", "5"], ct);

        Assert.Equal(0, await RunAsync(["pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-t", "cli/m", "-m", "hello world", "-q", "1"], ct));
        Assert.Equal(0, await RunAsync(["pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-t", "cli/l", "-l", "-q", "2"], ct, stdin: "line one\nline two\n"));
        var file = Path.Combine(broker.Directory, "payload.txt");
        await File.WriteAllTextAsync(file, "from a file", ct);
        Assert.Equal(0, await RunAsync(["pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-t", "cli/f", "-f", file], ct));
        Assert.Equal(0, await RunAsync(["pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-t", "cli/n", "-n"], ct));

        Assert.Equal(0, await sub.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Equal(["cli/m hello world", "cli/l line one", "cli/l line two", "cli/f from a file", "cli/n "], sub.StandardOutput);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Sub_F_and_json_print_QoS_retain_and_the_v5_properties_given_to_pub_with_D(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);
        await using var formatted = await StartSubAsync(["-p", port, "-h", "127.0.0.1", "-t", "fmt/#", "-q", "2", "-C", "1", "-F", @"%t|%p|%q|%r|%C|%R|%P|%l|%x"], ct);
        await using var json = await StartSubAsync(["-p", port, "-h", "127.0.0.1", "-t", "fmt/#", "-q", "2", "-C", "1", "--json"], ct);

        Assert.Equal(0, await RunAsync(["pub", "-p", port, "-h", "127.0.0.1", "-t", "fmt/a", "-m", "hi", "-q", "2",
            "-D", "publish", "content-type", "text/plain", "-D", "publish", "response-topic", "fmt/reply", "-D", "publish", "user-property", "k", "v"], ct));

        Assert.Equal(0, await formatted.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Equal(["fmt/a|hi|2|0|text/plain|fmt/reply|k:v|2|6869"], formatted.StandardOutput);
        Assert.Equal(0, await json.WaitForExitAsync(ProcessTimeout, ct));
        using var document = JsonDocument.Parse(Assert.Single(json.StandardOutput));
        var root = document.RootElement;
        Assert.Equal("fmt/a", root.GetProperty("topic").GetString());
        Assert.Equal("hi", root.GetProperty("payload").GetString());
        Assert.Equal(2, root.GetProperty("qos").GetInt32());
        Assert.False(root.GetProperty("retain").GetBoolean());
        Assert.Equal("text/plain", root.GetProperty("content-type").GetString());
        Assert.Equal("v", root.GetProperty("user-properties")[0].GetProperty("k").GetString());
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Pub_s_sends_all_of_standard_input_as_one_message(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);
        await using var sub = await StartSubAsync(["-p", port, "-h", "127.0.0.1", "-t", "stdin/x", "-C", "1", "-F", "%l %x"], ct);

        Assert.Equal(0, await RunAsync(["pub", "-p", port, "-h", "127.0.0.1", "-t", "stdin/x", "-s"], ct, stdin: "a\nb\n"));

        Assert.Equal(0, await sub.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Equal(["4 610a620a"], sub.StandardOutput);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task A_retained_message_from_pub_r_is_printed_by_a_later_sub_but_skipped_with_R(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(0, await RunAsync(["pub", "-p", port, "-h", "127.0.0.1", "-t", "ret/a", "-m", "stale", "-r", "-q", "1"], ct));

        await using var withRetained = StarlingCli.Start(["sub", "-p", port, "-h", "127.0.0.1", "-t", "ret/#", "-C", "1", "-F", "%r %p"]);
        Assert.Equal(0, await withRetained.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Equal(["1 stale"], withRetained.StandardOutput);

        await using var skipping = await StartSubAsync(["-p", port, "-h", "127.0.0.1", "-t", "ret/#", "-C", "1", "-R", "-F", "%r %p"], ct);
        Assert.Equal(0, await RunAsync(["pub", "-p", port, "-h", "127.0.0.1", "-t", "ret/a", "-m", "fresh"], ct));
        Assert.Equal(0, await skipping.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Equal(["0 fresh"], skipping.StandardOutput);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task Sub_W_exits_with_27_when_the_time_limit_passes_and_L_url_gives_host_port_and_topic(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        await using var sub = StarlingCli.Start(["sub", "-L", $"mqtt://127.0.0.1:{broker.Port}/quiet/topic", "-W", "1"]);

        Assert.Equal(27, await sub.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Empty(sub.StandardOutput);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Starling)]
    public async Task The_will_given_to_sub_is_published_when_the_sub_process_is_killed(BrokerKind kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(kind, ct);
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);
        await using var watcher = await StartSubAsync(["-p", port, "-h", "127.0.0.1", "-t", "wills/#", "-v", "-C", "1"], ct);
        await using var doomed = await StartSubAsync(["-p", port, "-h", "127.0.0.1", "-i", "doomed-sub", "-k", "5", "-t", "nothing", "--will-topic", "wills/doomed",
            "--will-payload", "gone", "--will-qos", "1"], ct);

        doomed.Kill(); // SIGKILL: the socket closes without DISCONNECT [MQTT-3.1.2-8]

        Assert.Equal(0, await watcher.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Equal(["wills/doomed gone"], watcher.StandardOutput);
    }

    [Fact(Timeout = 60_000)]
    public async Task Pub_to_a_port_where_nothing_listens_exits_2_with_one_line()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pub = StarlingCli.Start(["pub", "-h", "127.0.0.1", "-p", FreePort.Get().ToString(CultureInfo.InvariantCulture), "-t", "x", "-m", "y"]);

        Assert.Equal(2, await pub.WaitForExitAsync(ProcessTimeout, ct));
        var error = Assert.Single(pub.StandardError);
        Assert.StartsWith("starling pub: Cannot connect to mqtt://127.0.0.1:", error, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    // mosquitto 2.0.11 answers a wrong password with Not Authorized: 0x87 in 5.0, return code 5 in 3.1.1 (reported with
    // its 5.0 name and value).
    [InlineData("mqttv5", "NotAuthorized (0x87)")]
    [InlineData("mqttv311", "NotAuthorized (0x87)")]
    public async Task Pub_with_a_wrong_password_exits_3_and_names_the_reason_code(string version, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, ct, "allow_anonymous false\npassword_file {dir}/passwords\n",
            async directory =>
            {
                var file = Path.Combine(directory, "passwords");
                using var passwd = Process.Start("mosquitto_passwd", ["-b", "-c", file, "alice", "secret"])!;
                await passwd.WaitForExitAsync(ct);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(file, (UnixFileMode)0x1A4); // 0644: mosquitto reads it after dropping root
                }
            });
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);

        await using var refused = StarlingCli.Start(["pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-u", "alice", "-P", "wrong", "-t", "x", "-m", "y"]);
        Assert.Equal(3, await refused.WaitForExitAsync(ProcessTimeout, ct));
        var error = Assert.Single(refused.StandardError);
        Assert.StartsWith("starling pub: authentication failed: Connection refused:", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);

        Assert.Equal(0, await RunAsync(["pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-u", "alice", "-P", "secret", "-t", "x", "-m", "y"], ct));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_publish_the_broker_refuses_exits_4_and_the_library_returns_the_reason_code()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync(BrokerKind.Mosquitto, ct, "acl_file {dir}/acl\n", async directory =>
        {
            var acl = Path.Combine(directory, "acl");
            await File.WriteAllTextAsync(acl, "topic readwrite allowed/#\n", ct);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(acl, (UnixFileMode)0x1A4);
            }
        });
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);

        await using var refused = StarlingCli.Start(["pub", "-h", "127.0.0.1", "-p", port, "-t", "denied/x", "-m", "y", "-q", "1"]);
        Assert.Equal(4, await refused.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Equal("starling pub: The broker refused the publish: NotAuthorized (0x87).", Assert.Single(refused.StandardError));

        await using var client = await ClientTestExtensions.ConnectedAsync(ClientTestExtensions.Options(broker.Uri, "acl"), ct);
        var result = await client.PublishAsync("denied/x", "y", QualityOfService.ExactlyOnce, cancellationToken: ct); // PUBREC 0x87 ends the flow
        Assert.Equal(ReasonCode.NotAuthorized, result.ReasonCode);
        Assert.False(result.IsSuccess);
        Assert.True((await client.PublishAsync("allowed/x", "y", QualityOfService.AtLeastOnce, cancellationToken: ct)).IsSuccess);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(new[] { "pub", "-t", "x" }, "Give exactly one of -m, -f, -l, -n or -s.")]
    [InlineData(new[] { "pub", "-t", "x", "-m", "y", "-q", "3" }, "QoS must be 0, 1 or 2")]
    [InlineData(new[] { "pub", "-t", "x", "-m", "y", "-V", "mqttv4" }, "unknown protocol version 'mqttv4'")]
    [InlineData(new[] { "pub", "-t", "x", "-m", "y", "-D", "publish", "no-such-property", "1" }, "unknown or unsupported property 'no-such-property'")]
    [InlineData(new[] { "sub", "-v" }, "at least one topic filter is required")]
    [InlineData(new[] { "sub", "-t", "x", "--bogus" }, "'--bogus'")]
    public async Task Bad_flags_exit_1_with_one_line_naming_the_problem(string[] arguments, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = StarlingCli.Start(arguments);

        Assert.Equal(1, await process.WaitForExitAsync(ProcessTimeout, ct));
        var error = Assert.Single(process.StandardError, line => line.Length > 0);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    /// <summary>Starts <c>starling sub -d</c> and returns once it has subscribed.</summary>
    private static async Task<ExternalProcess> StartSubAsync(string[] arguments, CancellationToken ct)
    {
        var process = StarlingCli.Start(["sub", "-d", .. arguments]);
        await WaitFor.ConditionAsync(() => process.HasExited || process.StandardError.Any(l => l.Contains("subscribed to", StringComparison.Ordinal)),
            ProcessTimeout, "starling sub to subscribe", ct);
        Assert.False(process.HasExited, process.Transcript());
        return process;
    }

    private static async Task<int> RunAsync(string[] arguments, CancellationToken ct, string? stdin = null)
    {
        await using var process = StarlingCli.Start(arguments, redirectInput: stdin is not null);
        if (stdin is not null)
        {
            foreach (var line in stdin.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await process.WriteLineAsync(line, ct);
            }

            process.CloseInput();
        }

        var code = await process.WaitForExitAsync(ProcessTimeout, ct);
        Assert.True(code == 0, process.Transcript());
        return code;
    }
}
