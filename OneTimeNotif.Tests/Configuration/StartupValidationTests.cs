using Microsoft.Extensions.Options;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Configuration;

public sealed class StartupValidationTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Theory]
    [InlineData("Messenger:AppSecret", "Messenger__AppSecret")]
    [InlineData("Messenger:VerifyToken", "Messenger__VerifyToken")]
    [InlineData("Messenger:GraphApiVersion", "Messenger__GraphApiVersion")]
    [InlineData("OtnStorage", "OtnStorage")]
    public async Task AMissingRequiredSettingStopsTheHostNamingTheKey(string key, string named)
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?> { [key] = "" });

        var failure = Assert.ThrowsAny<Exception>(() => app.StartServer());

        var validation = Assert.IsType<OptionsValidationException>(failure is AggregateException a ? a.InnerException : failure);
        Assert.Contains(named, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APageWithoutAnAccessTokenStopsTheHostNamingThePage()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?> { ["Messenger:Pages:12345:AccessToken"] = "" });

        var failure = Assert.ThrowsAny<Exception>(() => app.StartServer());

        Assert.Contains("Messenger__Pages__12345__AccessToken", failure.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Messenger:Pages:12345:MessagesPerSecond", "301", "Messenger__Pages__12345__MessagesPerSecond")]
    [InlineData("Messenger:Pages:12345:MessagesPerSecond", "0", "Messenger__Pages__12345__MessagesPerSecond")]
    [InlineData("SendApi:MessagesPerSecondPerPage", "500", "SendApi__MessagesPerSecondPerPage")]
    public async Task ASendRateAboveMetasLimitStopsTheHostNamingTheKey(string key, string value, string named)
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?>
        {
            ["Messenger:Pages:12345:AccessToken"] = "x",
            [key] = value,
        });

        var failure = Assert.ThrowsAny<Exception>(() => app.StartServer());

        Assert.Contains(named, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValidConfigurationStarts()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?> { ["Messenger:Pages:12345:AccessToken"] = "x" });

        app.StartServer();

        Assert.NotNull(app.Services);
    }
}
