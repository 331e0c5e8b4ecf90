using System.Net.Sockets;
using System.Text;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Webhook;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Webhook;

/// <summary>
/// Anonymous senders that declare a large body and send it slowly: the host holds memory only for the bytes that
/// arrived and ends the request itself. Allocation is measured for the whole process, so these run alone.
/// </summary>
[Collection(MeasuredAlone.Name)]
public sealed class SlowSenderTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const int DeclaredBytes = 1024 * 1024;

    /// <summary>Far below the mebibyte the old reader allocated up front, far above what a few KiB of trickle costs.</summary>
    private const long AllocationCeiling = 384 * 1024;

    [Theory]
    [InlineData(32, 250, null)]      // 128 bytes/s: under Kestrel's minimum body data rate (1 KiB/s after 5 s)
    [InlineData(1024, 250, "00:00:03")] // 4 KiB/s: fast enough for the rate, ended by Webhook__BodyTimeout
    public async Task APostThatDeclaresOneMebibyteAndTricklesHoldsNoSuchBufferAndIsEndedByTheServer(int chunkBytes, int everyMilliseconds, string? bodyTimeout)
    {
        var settings = new Dictionary<string, string?>
        {
            // A quiet host, so the process's allocations are the request's: no trace logging, no busy queue polling.
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
            ["Logging:LogLevel:Azure.Core"] = "Warning",
            ["extensions:queues:maxPollingInterval"] = "00:01:00",
        };
        if (bodyTimeout is not null)
        {
            settings["Webhook:BodyTimeout"] = bodyTimeout;
        }
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings) { WithoutPurgeScheduler = true };
        var page = NewId();
        // Warm up the path (JIT, pools, tables) so the measurement sees the slow request only.
        (await app.PostWebhookAsync(Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), DateTimeOffset.UtcNow))))).EnsureSuccessStatusCode();

        using var client = new TcpClient();
        await client.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port);
        var stream = client.GetStream();
        var headers = Encoding.ASCII.GetBytes(
            $"POST {WebhookEndpoints.Route} HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nContent-Type: application/json\r\n" +
            $"{WebhookSignature.HeaderName}: sha256={new string('0', 64)}\r\nContent-Length: {DeclaredBytes}\r\n\r\n");
        var chunk = Encoding.ASCII.GetBytes(new string(' ', chunkBytes));

        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var started = DateTime.UtcNow;
        await stream.WriteAsync(headers);
        var answer = ReadUntilClosedAsync(stream);
        var sent = 0;
        while (!answer.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(30) && sent + chunkBytes < DeclaredBytes)
        {
            try
            {
                await stream.WriteAsync(chunk);
                sent += chunkBytes;
            }
            catch (IOException)
            {
                break;
            }
            await Task.WhenAny(answer, Task.Delay(everyMilliseconds));
        }
        var response = await answer.WaitAsync(TimeSpan.FromSeconds(10));
        var elapsed = DateTime.UtcNow - started;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"the server took {elapsed} to end the request");
        Assert.True(sent < DeclaredBytes / 8, $"{sent} bytes were sent before the server ended the request");
        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        Assert.True(allocated < AllocationCeiling, $"{allocated} bytes allocated while {sent} bytes of a declared {DeclaredBytes} arrived");
    }

    /// <summary>What the server answered before it closed the connection (a reset after the answer also ends it).</summary>
    private static async Task<string> ReadUntilClosedAsync(NetworkStream stream)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }
}

/// <summary>Tests that measure the whole process run one at a time, after the parallel part of the suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "Measured alone";
}
