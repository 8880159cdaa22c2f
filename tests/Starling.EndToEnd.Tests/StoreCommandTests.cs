using System.Globalization;
using Starling.Protocol;
using Starling.Protocol.Packets;
using Starling.TestKit;

namespace Starling.EndToEnd.Tests;

/// <summary>The damaged-store path on the real command: start-up refuses with a message naming the file; check finds the damage; repair recovers; serve starts again.</summary>
public sealed class StoreCommandTests
{
    [Fact]
    public async Task A_damaged_store_stops_start_up_with_a_clear_error_and_store_repair_brings_the_broker_back_with_what_was_readable()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("starling-damaged-").FullName;
        var port = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        string[] serve = ["serve", "--bind", "127.0.0.1", "--port", port];
        await using (var healthy = StarlingProcess.Start(serve, workingDirectory: directory))
        {
            await StarlingProcess.WaitUntilListeningAsync(healthy, ct);
            await using var client = await RawMqttClient.ConnectAsync("127.0.0.1", int.Parse(port, CultureInfo.InvariantCulture), ct);
            await client.SendAsync(new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, ClientId = "keeper", CleanSession = false, KeepAlive = 60 }, ct);
            await client.ExpectAsync<ConnAckPacket>(cancellationToken: ct);
            await client.SubscribeAsync("kept/#", QualityOfService.AtLeastOnce, cancellationToken: ct);
            healthy.Terminate();
            Assert.Equal(0, await healthy.WaitForExitAsync(TimeSpan.FromSeconds(15), ct));
        }

        var database = Path.Combine(directory, "data", "starling.db");
        Assert.True(File.Exists(database));
        await File.WriteAllBytesAsync(database, new byte[64 * 1024], ct); // zeroed: the header is gone

        await using (var refused = StarlingProcess.Start(serve, workingDirectory: directory))
        {
            Assert.Equal(3, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
            var error = Assert.Single(refused.StandardError, l => l.StartsWith("starling: The store", StringComparison.Ordinal));
            Assert.Contains(database, error, StringComparison.Ordinal);
            Assert.Contains("starling store repair", error, StringComparison.Ordinal);
        }

        await using (var check = StarlingProcess.Start(["store", "check"], workingDirectory: directory))
        {
            Assert.Equal(1, await check.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
            Assert.Contains(check.StandardOutput, l => l.StartsWith("damaged:", StringComparison.Ordinal));
        }

        await using (var repair = StarlingProcess.Start(["store", "repair"], workingDirectory: directory))
        {
            Assert.Equal(0, await repair.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
            Assert.Contains(repair.StandardOutput, l => l.StartsWith("moved the damaged store to", StringComparison.Ordinal));
        }

        Assert.Single(Directory.GetFiles(Path.Combine(directory, "data"), "starling.db.damaged-*"), f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal));
        await using (var check = StarlingProcess.Start(["store", "check"], workingDirectory: directory))
        {
            Assert.Equal(0, await check.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
        }

        await using var restarted = StarlingProcess.Start(serve, workingDirectory: directory);
        await StarlingProcess.WaitUntilListeningAsync(restarted, ct);
        Directory.Delete(directory, recursive: true);
    }
}
