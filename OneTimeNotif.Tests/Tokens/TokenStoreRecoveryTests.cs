using System.Net;
using Azure.Data.Tables;
using OneTimeNotif.Storage;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Tokens;

public sealed class TokenStoreRecoveryTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task WhenTheTablesDisappearTheNextRetryCreatesThemAgainAndStores()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite);
        var page = NewId();
        Assert.Equal(HttpStatusCode.OK, (await app.PostWebhookAsync(Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), DateTimeOffset.UtcNow))))).StatusCode);
        var service = new TableServiceClient(storage.Azurite.ConnectionString);
        await service.DeleteTableAsync(StorageTables.TokensTableName);
        var token = NewToken();
        var body = Envelope(Entry(page, OptIn(page, NewId(), "P", token, DateTimeOffset.UtcNow)));

        // Meta retries a refused delivery; the retry finds the tables created again.
        var first = await app.PostWebhookAsync(body);
        var retry = await app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Contains(await app.GetTokensAsync(page, "P"), t => t.Token == token);
    }
}
