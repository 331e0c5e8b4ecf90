using System.CommandLine;
using System.Globalization;
using OneTimeNotif.Webhook;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary><c>otn simulate optin</c>: users tap "Notify me"; Meta's signed webhook POSTs reach the service.</summary>
internal static class SimulateOptInCommand
{
    public static Command Create(CliContext cli, CommonOptions common)
    {
        var page = CommonOptions.Page("The Page the users opt in on");
        var psid = CommonOptions.Id("--psid", "The user's PSID; with --count, the first of consecutive PSIDs");
        var payload = CommonOptions.Payload("The opt-in payload: the topic a follow-up will answer");
        var count = new Option<int>("--count") { Description = "How many users opt in (PSIDs --psid, --psid + 1, ...)", DefaultValueFactory = _ => 1, HelpName = "N" };
        count.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000) { r.AddError("--count must be between 1 and 1000000."); } });
        var perRequest = new Option<int>("--per-request") { Description = "Opt-ins per webhook POST, as Meta batches events", DefaultValueFactory = _ => OptInSimulation.DefaultPerRequest, HelpName = "N" };
        perRequest.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1000) { r.AddError("--per-request must be between 1 and 1000."); } });
        var token = new Option<string?>("--token") { Description = "The OTN token to send (default: a new random one per user); to replay a delivery, as Meta retries", HelpName = "TOKEN" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "When the users tapped (ISO 8601; default now). Over a year ago makes expired tokens, for trying the purge", HelpName = "TIME" };
        var webhook = CommonOptions.AbsoluteUrl("--webhook", "The webhook URL to post to (default: the service's /api/webhook)");

        var optIn = new Command("optin", "Post signed OTN opt-in events to the webhook, exactly as Meta would (needs Messenger__AppSecret)")
        {
            page, psid, payload, count, perRequest, token, at, webhook,
        };
        optIn.Validators.Add(r =>
        {
            // Without --count the validator reads 0, not the default: any count above one is the mistake.
            if (r.GetValue(token) is not null && r.GetValue(count) > 1)
            {
                r.AddError("--token names one token: use it with --count 1.");
            }
        });
        optIn.SetAction((result, cancellationToken) => RunAsync(
            cli,
            new Arguments(
                result.GetRequiredValue(page), result.GetRequiredValue(psid), result.GetRequiredValue(payload), result.GetValue(count),
                result.GetValue(perRequest), result.GetValue(token), result.GetValue(at), result.GetValue(webhook), result.GetValue(common.Url)),
            cancellationToken));

        return new Command("simulate", "Play Meta's side locally") { optIn };
    }

    internal sealed record Arguments(string Page, string Psid, string Payload, int Count, int PerRequest, string? Token, DateTimeOffset? At, Uri? Webhook, Uri? Url)
    {
        public override string ToString() => $"Arguments {{ Page = {Page}, Psid = {Psid}, Count = {Count} }}";
    }

    private static async Task<int> RunAsync(CliContext cli, Arguments args, CancellationToken cancellationToken)
    {
        using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(args.Url));
        var when = args.At ?? cli.Time.GetUtcNow();
        var optIns = OptInSimulation.Psids(args.Psid, args.Count)
            .Select(p => new SimulatedOptIn(p, args.Payload, args.Token ?? OptInSimulation.NewToken(), when))
            .ToList();
        await SimulateAsync(cli, service, args.Page, optIns, args.PerRequest, args.Webhook, cancellationToken).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>Posts the opt-ins and prints what the webhook answered.</summary>
    public static async Task SimulateAsync(
        CliContext cli, ServiceClient service, string page, IReadOnlyList<SimulatedOptIn> optIns, int perRequest, Uri? webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentOutOfRangeException.ThrowIfZero(optIns.Count);
        var simulation = new OptInSimulation(cli, service, webhook ?? service.Url(WebhookEndpoints.Route));
        var answer = await simulation.PostAsync(page, optIns, perRequest, cancellationToken).ConfigureAwait(false);

        var users = optIns.Count == 1 ? $"PSID {optIns[0].Psid}" : $"PSIDs {optIns[0].Psid} to {optIns[^1].Psid}";
        var payloads = optIns.Select(o => o.Payload).Distinct(StringComparer.Ordinal).ToList();
        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Posted {optIns.Count} signed opt-in{(optIns.Count == 1 ? "" : "s")} for Page {page}, payload [bold]{string.Join(", ", payloads)}[/] ({users}), tapped {optIns[0].At:u}, to {simulation.Webhook}: it answered {answer}.");
    }
}
