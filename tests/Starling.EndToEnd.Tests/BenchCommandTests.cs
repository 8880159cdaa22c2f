using System.Globalization;
using System.Text.Json;
using Starling.TestKit;

namespace Starling.EndToEnd.Tests;

/// <summary>
/// <c>starling bench run | pub | sub | conn</c> as real processes against a real broker: short, rate-limited runs
/// whose counts can be checked exactly, and the exit-code contract (0 ok, 1 loss or connection errors, 2 bad arguments).
/// </summary>
public sealed class BenchCommandTests(BenchBroker broker) : IClassFixture<BenchBroker>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Pub_and_sub_at_qos1_count_the_same_messages_with_no_gaps_and_expand_percent_i_per_client()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sub = Bench("sub", "-c", "2", "-t", "bench-test/pair/%i", "-q", "1", "-d", "2.5", "--json");
        await WaitForStandardErrorAsync(sub, "2 subscribers subscribed", ct);

        // Client i publishes to bench-test/pair/i, which only subscriber i subscribed to: both sides expand %i.
        var (pubExit, pub) = await RunAsync(ct, "pub", "-c", "2", "-t", "bench-test/pair/%i", "-q", "1", "-r", "200", "-d", "1", "--json");
        var (subExit, received) = await FinishAsync(sub, ct);

        Assert.Equal(0, pubExit);
        Assert.Equal(0, subExit);
        var sent = pub.GetProperty("sent").GetInt64();
        Assert.InRange(sent, 300, 500);
        Assert.Equal(sent, pub.GetProperty("acknowledged").GetInt64());
        Assert.Equal(sent, received.GetProperty("received").GetInt64());
        Assert.Equal(2, received.GetProperty("publishers").GetInt32());
        Assert.Equal(0, received.GetProperty("lost_gaps").GetInt64());
        Assert.Equal(0, received.GetProperty("duplicates").GetInt64());
        Assert.True(received.GetProperty("p99_us").GetDouble() > 0);
    }

    [Fact]
    public async Task Sub_with_a_shared_group_delivers_each_message_to_exactly_one_member()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sub = Bench("sub", "-c", "3", "--shared", "workers", "-t", "bench-test/shared", "-q", "1", "-V", "5", "-d", "2.5", "--json");
        await WaitForStandardErrorAsync(sub, "3 subscribers subscribed", ct);

        var (pubExit, pub) = await RunAsync(ct, "pub", "-c", "1", "-t", "bench-test/shared", "-q", "1", "-V", "5", "-r", "300", "-d", "1", "--json");
        var (subExit, received) = await FinishAsync(sub, ct);

        Assert.Equal(0, pubExit);
        Assert.Equal(0, subExit);
        Assert.Equal("workers", received.GetProperty("shared").GetString());
        Assert.Equal(pub.GetProperty("sent").GetInt64(), received.GetProperty("received").GetInt64());
        Assert.Equal(0, received.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, received.GetProperty("lost_gaps").GetInt64());
    }

    [Fact]
    public async Task Run_with_a_shared_group_counts_each_message_once_across_the_group()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, result) = await RunAsync(ct, "run", "--scenario", "fanout", "-S", "4", "--shared", "grp", "-q", "1", "-r", "500", "-d", "1", "-w", "0", "--json");

        Assert.Equal(0, exit);
        Assert.Equal(result.GetProperty("sent").GetInt64(), result.GetProperty("received").GetInt64());
        Assert.Equal(0, result.GetProperty("lost").GetInt64());
        Assert.Equal(0, result.GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task Fanout_to_20_subscribers_delivers_20_copies_of_every_message_from_one_publisher()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, result) = await RunAsync(ct, "run", "--scenario", "fanout", "-S", "20", "-q", "1", "-r", "200", "-d", "1", "-w", "0", "--json");

        Assert.Equal(0, exit);
        Assert.Equal(1, result.GetProperty("publishers").GetInt32());
        Assert.Equal(20, result.GetProperty("subscribers").GetInt32());
        var sent = result.GetProperty("sent").GetInt64();
        Assert.True(sent > 0);
        Assert.Equal(sent * 20, result.GetProperty("received").GetInt64());
        Assert.Equal(0, result.GetProperty("lost").GetInt64());
        Assert.True(result.GetProperty("received_per_s").GetDouble() > result.GetProperty("sent_per_s").GetDouble() * 10);
    }

    [Fact]
    public async Task Run_holds_idle_clients_beside_the_active_pairs()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, result) = await RunAsync(ct, "run", "--scenario", "pairs", "-P", "2", "--idle", "100", "-q", "1", "-r", "200", "-d", "0.5", "-w", "0", "--json");

        Assert.Equal(0, exit);
        Assert.Equal(100, result.GetProperty("idle").GetInt32());
        Assert.Equal(0, result.GetProperty("connection_errors").GetInt32());
        Assert.Equal(result.GetProperty("sent").GetInt64(), result.GetProperty("received").GetInt64());
    }

    [Fact]
    public async Task Conn_opens_and_holds_200_subscribed_connections_from_two_source_addresses_and_reads_the_broker_rss()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, result) = await RunAsync(ct, "conn", "-c", "200", "--concurrency", "50", "--hold", "0.5", "--subscribe",
            "--source-addresses", "127.0.0.1,127.0.0.2", "--broker-pid", broker.ProcessId.ToString(CultureInfo.InvariantCulture), "--json");

        Assert.Equal(0, exit);
        Assert.Equal(200, result.GetProperty("connections").GetInt32());
        Assert.Equal(0, result.GetProperty("failed").GetInt32());
        Assert.Equal(0, result.GetProperty("dropped").GetInt32());
        Assert.True(result.GetProperty("connects_per_s").GetDouble() > 0);
        Assert.True(result.GetProperty("rss_bytes_before").GetInt64() > 0);
        Assert.True(result.GetProperty("rss_bytes_after").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Number, result.GetProperty("rss_per_connection_bytes").ValueKind);
        Assert.True(result.GetProperty("bench_cpu_percent").GetDouble() >= 0);
    }

    [Fact]
    public async Task Conn_without_a_broker_pid_reports_no_rss()
    {
        var ct = TestContext.Current.CancellationToken;
        var (exit, result) = await RunAsync(ct, "conn", "-c", "10", "--hold", "0", "--json");

        Assert.Equal(0, exit);
        Assert.Equal(10, result.GetProperty("connections").GetInt32());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("rss_per_connection_bytes").ValueKind);
    }

    [Fact]
    public async Task Conn_to_a_port_nobody_listens_on_exits_1_with_the_failures_counted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = StarlingProcess.Start(["bench", "conn", "-p", FreePort.Get().ToString(CultureInfo.InvariantCulture), "-c", "5", "--hold", "0", "--json"]);

        Assert.Equal(1, await process.WaitForExitAsync(Timeout, ct));
        using var result = JsonDocument.Parse(Assert.Single(process.StandardOutput));
        Assert.Equal(0, result.RootElement.GetProperty("connections").GetInt32());
        Assert.Equal(5, result.RootElement.GetProperty("failed").GetInt32());
    }

    [Theory]
    [InlineData("pub", "-q", "3", "--qos")]
    [InlineData("sub", "-s", "10", "-s")]
    [InlineData("run", "--scenario", "sideways", "sideways")]
    [InlineData("run", "-b", "8", "--payload")]
    [InlineData("conn", "--broker-pid", "-4", "--broker-pid")]
    [InlineData("conn", "--source-addresses", "127.0.0.1,nowhere", "nowhere")]
    public async Task Bad_arguments_exit_2_with_one_line_naming_the_problem(string command, string option, string value, string named)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = StarlingProcess.Start(["bench", command, "-p", broker.PortText, option, value]);

        Assert.Equal(2, await process.WaitForExitAsync(Timeout, ct));
        var line = Assert.Single(process.StandardError);
        Assert.StartsWith("starling bench: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
    }

    private ExternalProcess Bench(params string[] arguments) => StarlingProcess.Start(["bench", .. arguments, "-p", broker.PortText]);

    private async Task<(int Exit, JsonElement Result)> RunAsync(CancellationToken ct, params string[] arguments)
    {
        await using var process = Bench(arguments);
        return await FinishAsync(process, ct);
    }

    private static async Task<(int Exit, JsonElement Result)> FinishAsync(ExternalProcess process, CancellationToken ct)
    {
        var exit = await process.WaitForExitAsync(Timeout, ct);
        var output = process.StandardOutput;
        var json = output.Count > 0 ? output[^1] : throw new InvalidOperationException($"no output. {process.Transcript()}");
        using var document = JsonDocument.Parse(json);
        return (exit, document.RootElement.Clone());
    }

    private static Task WaitForStandardErrorAsync(ExternalProcess process, string text, CancellationToken ct) =>
        WaitFor.ConditionAsync(() => process.StandardError.Any(l => l.Contains(text, StringComparison.Ordinal)) || process.HasExited, Timeout, text, ct);
}
