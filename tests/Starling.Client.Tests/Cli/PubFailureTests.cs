using System.Globalization;
using Starling.Client.Tests.Support;
using Starling.Protocol.Packets;

namespace Starling.Client.Tests.Cli;

/// <summary>
/// <c>starling pub</c> when the acknowledgement never comes, against a scripted broker that takes the PUBLISH and then
/// drops the connection or stays silent.
/// </summary>
public sealed class PubFailureTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 60_000)]
    public async Task Pub_q_1_exits_5_when_the_connection_is_lost_before_the_PUBACK()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        await using var pub = await StartPubAsync(broker, ct);

        await broker.DropAsync(); // PUBLISH received, never acknowledged

        Assert.Equal(5, await pub.WaitForExitAsync(ProcessTimeout, ct));
        Assert.Contains(pub.StandardError, l => l.Contains("Connection lost", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Pub_interrupted_while_a_QoS_1_message_is_unacknowledged_exits_non_zero()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = new ScriptedBroker();
        await using var pub = await StartPubAsync(broker, ct);

        pub.Terminate(); // SIGTERM, handled as Ctrl-C

        Assert.Equal(130, await pub.WaitForExitAsync(ProcessTimeout, ct));
    }

    /// <summary>Starts <c>starling pub -q 1</c> and returns once the broker holds its PUBLISH.</summary>
    private static async Task<TestKit.ExternalProcess> StartPubAsync(ScriptedBroker broker, CancellationToken ct)
    {
        var pub = StarlingCli.Start(["pub", "-h", "127.0.0.1", "-p", broker.Uri.Port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5",
            "-t", "lost/x", "-m", "m", "-q", "1"]);
        try
        {
            await broker.AcceptAsync(ct).WaitAsync(ProcessTimeout, ct);
            await broker.ExpectAsync<ConnectPacket>(ct);
            await broker.SendAsync(new ConnAckPacket(), ct);
            Assert.Equal("lost/x", (await broker.ExpectAsync<PublishPacket>(ct)).Topic);
            return pub;
        }
        catch
        {
            await pub.DisposeAsync();
            throw;
        }
    }
}
