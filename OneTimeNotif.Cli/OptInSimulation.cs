using System.Numerics;
using System.Text.Json.Nodes;
using OneTimeNotif.Configuration;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Cli;

/// <summary>A simulated "Notify me" tap. The token is a secret like a real one: it is posted, never printed.</summary>
internal sealed record SimulatedOptIn(string Psid, string Payload, string Token, DateTimeOffset At)
{
    public override string ToString() => $"SimulatedOptIn {{ Psid = {Psid}, At = {At:O} }}";
}

/// <summary>
/// Does what Meta does when users tap "Notify me": builds <c>messaging_optins</c> webhook bodies in Meta's shape,
/// signs the exact bytes with the App Secret (<c>X-Hub-Signature-256</c>) and posts them to the webhook.
/// </summary>
internal sealed class OptInSimulation(CliContext cli, ServiceClient service, Uri webhook)
{
    /// <summary>Meta batches events into one POST; this many opt-ins per POST unless told otherwise.</summary>
    public const int DefaultPerRequest = 100;

    public Uri Webhook => webhook;

    public static string NewToken() => $"sim-{Guid.NewGuid():N}";

    /// <summary><paramref name="count"/> consecutive PSIDs from <paramref name="first"/>: one simulated user each.</summary>
    public static IReadOnlyList<string> Psids(string first, int count)
    {
        var start = BigInteger.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        var psids = Enumerable.Range(0, count).Select(i => (start + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return psids.All(MetaId.IsValid)
            ? psids
            : throw new CommandException($"--psid {first} with --count {count} runs past {MetaId.MaxLength} digits.");
    }

    /// <summary>Posts the opt-ins, <paramref name="perRequest"/> to a POST, with a progress bar when there are several POSTs.</summary>
    /// <returns>What the webhook answered to the last POST.</returns>
    public async Task<string> PostAsync(string pageId, IReadOnlyList<SimulatedOptIn> optIns, int perRequest, CancellationToken cancellationToken)
    {
        var secret = cli.Settings.AppSecret;
        var batches = optIns.Chunk(perRequest).ToList();
        if (batches.Count == 1)
        {
            return await PostBatchAsync(pageId, batches[0], secret, cancellationToken).ConfigureAwait(false);
        }
        var answer = "";
        var description = $"Posting {optIns.Count} opt-ins in {batches.Count} signed requests";
        await LiveProgress.RunAsync(cli, description, optIns.Count, async progress =>
        {
            var posted = 0;
            progress.Report(new ProgressState(description, posted));
            foreach (var batch in batches)
            {
                answer = await PostBatchAsync(pageId, batch, secret, cancellationToken).ConfigureAwait(false);
                posted += batch.Length;
                progress.Report(new ProgressState(description, posted, posted == optIns.Count));
            }
        }).ConfigureAwait(false);
        return answer;
    }

    private Task<string> PostBatchAsync(string pageId, IReadOnlyList<SimulatedOptIn> batch, string appSecret, CancellationToken cancellationToken)
    {
        var body = Envelope(pageId, batch);
        return service.PostWebhookAsync(webhook, body, WebhookSignature.Sign(body, appSecret), cancellationToken);
    }

    /// <summary>
    /// One entry for the Page with one messaging item per opt-in. System.Text.Json escapes non-ASCII as \uXXXX, as
    /// Meta's serializer does; the signature covers these bytes whatever they are.
    /// </summary>
    public static byte[] Envelope(string pageId, IReadOnlyList<SimulatedOptIn> optIns)
    {
        ArgumentNullException.ThrowIfNull(optIns);
        var messaging = new JsonArray();
        foreach (var optIn in optIns)
        {
            var at = optIn.At.ToUnixTimeMilliseconds();
            messaging.Add(new JsonObject
            {
                ["sender"] = new JsonObject { ["id"] = optIn.Psid },
                ["recipient"] = new JsonObject { ["id"] = pageId },
                ["timestamp"] = at,
                ["optin"] = new JsonObject
                {
                    ["type"] = WebhookEnvelope.OneTimeNotifOptInType,
                    ["payload"] = optIn.Payload,
                    ["one_time_notif_token"] = optIn.Token,
                },
            });
        }
        var entryTime = optIns.Count == 0 ? 0 : optIns.Max(o => o.At).ToUnixTimeMilliseconds();
        var envelope = new JsonObject
        {
            ["object"] = "page",
            ["entry"] = new JsonArray(new JsonObject { ["id"] = pageId, ["time"] = entryTime, ["messaging"] = messaging }),
        };
        return System.Text.Encoding.UTF8.GetBytes(envelope.ToJsonString());
    }
}
