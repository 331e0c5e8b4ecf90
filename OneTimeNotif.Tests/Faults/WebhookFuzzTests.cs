using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Webhook;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Faults;

/// <summary>Thousands of generated and mutated webhook bodies: never a 5xx, never a partial store, the host stays up.</summary>
public sealed class WebhookFuzzTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite);
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A Meta-shaped body (1-4 opt-ins, some other events) and the opt-ins it was built with.</summary>
    private sealed record Case(string Body, List<(string Page, string Psid, string Payload, string Token)> OptIns)
    {
        public override string ToString() => Body;
    }

    private static Gen<Case> Cases =>
        from count in Gen.Choose(1, 4)
        from payload in Gen.Elements("P", "RESTOCK:sku-42", "é😀", "")
        from original in Gen.Fresh(() => Original(count, payload))
        from body in Gen.Frequency((4, Mutations.Of(original.Body)), (1, Mutations.Json))
        select original with { Body = body };

    private static Case Original(int count, string payload)
    {
        var page = NewId();
        var optIns = Enumerable.Range(0, count).Select(_ => (page, NewId(), payload, NewToken())).ToList();
        var body = Envelope(Entry(page, [Message(page, NewId(), "hi"), .. optIns.Select(o => OptIn(o.page, o.Item2, o.payload, o.Item4, DateTimeOffset.UtcNow))]));
        return new Case(body, optIns);
    }

    [Fact]
    public async Task SignedBodiesGetA200OrA400AndAreStoredWhollyOrNotAtAll()
    {
        await Task.Run(() => Prop.ForAll(Cases.ToArbitrary(), c => CheckSigned(c).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(1000)));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UnsignedOrMissignedBodiesAre401AndStoreNothing()
    {
        await Task.Run(() => Prop.ForAll(Cases.ToArbitrary(), c => CheckUnsigned(c).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(400)));
        await AssertStillServingAsync();
    }

    private async Task<bool> CheckSigned(Case c)
    {
        var bytes = Encoding.UTF8.GetBytes(c.Body);
        var response = await _app.PostWebhookAsync(bytes, WebhookSignature.Sign(bytes, OneTimeNotifApplication.AppSecret));
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                // Everything the envelope holds is stored, as read by the same rules the host applies.
                Assert.True(WebhookEnvelope.TryReadOptIns(bytes, DateTimeOffset.UtcNow, out var batch, out _));
                foreach (var optIn in batch.OptIns)
                {
                    Assert.Contains(await _app.GetTokensAsync(optIn.PageId, optIn.Payload, optIn.Psid), t => t.Token == optIn.Token);
                }
                return true;
            case HttpStatusCode.BadRequest:
                await AssertNothingStoredAsync(c);
                return true;
            default:
                Assert.Fail($"HTTP {(int)response.StatusCode} for a signed body");
                return false;
        }
    }

    private async Task<bool> CheckUnsigned(Case c)
    {
        var bytes = Encoding.UTF8.GetBytes(c.Body);
        var signature = c.OptIns.Count % 2 == 0 ? null : WebhookSignature.Sign(bytes, "not-the-app-secret");
        var response = await _app.PostWebhookAsync(bytes, signature);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync(c);
        return true;
    }

    private async Task AssertNothingStoredAsync(Case c)
    {
        foreach (var (page, psid, payload, _) in c.OptIns)
        {
            Assert.Empty(await _app.GetTokensAsync(page, payload, psid));
        }
    }

    private async Task AssertStillServingAsync()
    {
        var page = NewId();
        var response = await _app.PostWebhookAsync(Envelope(Entry(page, OptIn(page, NewId(), "after", NewToken(), DateTimeOffset.UtcNow))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
