using Microsoft.Extensions.Options;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Purge;

public sealed class PurgeConfigurationTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Theory]
    [InlineData("PurgeSchedule", "0 3 * * *", "PurgeSchedule")]
    [InlineData("PurgeSchedule", "every day", "PurgeSchedule")]
    [InlineData("PurgeSchedule", "", "PurgeSchedule")]
    [InlineData("Purge:DeliveryRetention", "01:00:00", "Purge__DeliveryRetention")]
    [InlineData("Purge:DeliveryRetention", "-90.00:00:00", "Purge__DeliveryRetention")]
    [InlineData("OtnStorage", null, "OtnStorage__blobServiceUri")]
    public async Task ABadPurgeSettingStopsTheHostNamingTheKey(string key, string? value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key == "OtnStorage")
        {
            // Identity-based, with tables and queues but no blob service for the lease.
            settings["OtnStorage:tableServiceUri"] = "https://account.table.core.windows.net";
            settings["OtnStorage:queueServiceUri"] = "https://account.queue.core.windows.net";
        }
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings);

        var failure = Assert.ThrowsAny<Exception>(() => app.StartServer());

        var validation = Assert.IsType<OptionsValidationException>(failure is AggregateException a ? a.InnerException : failure);
        Assert.Contains(named, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASixFieldScheduleAndARetentionInDaysStart()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?>
        {
            ["PurgeSchedule"] = "30 15 2 * * Sun",
            ["Purge:DeliveryRetention"] = "400.00:00:00",
        });

        app.StartServer();

        Assert.Contains("PurgeSchedule \"30 15 2 * * Sun\"", (await app.WaitForLogAsync(9001)).Text, StringComparison.Ordinal);
    }
}
