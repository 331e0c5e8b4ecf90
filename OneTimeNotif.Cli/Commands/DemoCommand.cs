using System.CommandLine;
using System.Globalization;
using OneTimeNotif.FollowUps;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary>
/// <c>otn demo</c>: the whole One-Time Notification story against a running service (what ./run.sh starts), one
/// step at a time, with the <c>otn</c> command each step amounts to. It checks every outcome the story promises and
/// fails (exit 1) when the service does something else.
/// </summary>
internal static class DemoCommand
{
    private const int Steps = 5;
    private const string Title = "Tell me when the demo kettle is back";
    private const string Text = "The demo kettle is back in stock!";

    public static Command Create(CliContext cli, CommonOptions common)
    {
        var page = CommonOptions.Id("--page", "The Page to play it on (default: the one Page in Messenger__Pages__*)", required: false);
        var timeout = CommonOptions.Seconds("--timeout", "Seconds to wait for each follow-up", 120);
        var demo = new Command("demo",
            "Play the whole story against a running service: an OTN request, the opt-in, a follow-up delivered, the token refused on a " +
            "second use, and a preview of the purge (needs Messenger__AppSecret, Api__Key and OtnStorage; scripts/local-settings.sh sets them)")
        {
            page, timeout,
        };
        demo.SetAction(async (result, cancellationToken) =>
        {
            using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(result.GetValue(common.Url)));
            await PlayAsync(cli, service, result.GetValue(page) ?? DefaultPage(cli), TimeSpan.FromSeconds(result.GetValue(timeout)), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return demo;
    }

    private static string DefaultPage(CliContext cli) => cli.Settings.Pages switch
    {
        [var only] => only,
        [] => throw new CommandException("Pass --page: no Page is configured (Messenger__Pages__<PAGE_ID>__AccessToken)."),
        var pages => throw new CommandException($"Pass --page: several Pages are configured ({string.Join(", ", pages)})."),
    };

    public static async Task PlayAsync(CliContext cli, ServiceClient service, string page, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(service);
        // A topic and users of its own, so each run tells its story whatever earlier runs left in storage.
        var now = cli.Time.GetUtcNow();
        var payload = string.Create(CultureInfo.InvariantCulture, $"DEMO:kettle-{now:yyyyMMdd-HHmmss}-{Random.Shared.Next(1000, 10000)}");
        var first = NewPsid();
        var psids = OptInSimulation.Psids(first, 3);
        string alice = psids[0], bob = psids[1], carol = psids[2];

        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"The One-Time Notification story against [bold]{service.BaseUrl}[/], Page {page}, topic [bold]{payload}[/], users {alice} and {bob}.");

        Step(cli, 1, "the OTN request",
            $"Inside Meta's 24-hour window, the Page asks user {alice} whether to be notified about {payload}.",
            $"otn request --page {page} --psid {alice} --title \"{Title}\" --payload {payload}");
        await RequestCommand.SendAsync(cli, service, RequestCommand.Body(page, alice, Title, payload, []), cancellationToken).ConfigureAwait(false);

        Step(cli, 2, "the opt-in",
            $"Users {alice} and {bob} tap \"Notify me\". Meta posts the signed opt-in events, with one single-use token each, to the webhook; the service stores them before it answers.",
            $"otn simulate optin --page {page} --psid {alice} --payload {payload} --count 2");
        var aliceOptIn = new SimulatedOptIn(alice, payload, OptInSimulation.NewToken(), now);
        var bobOptIn = new SimulatedOptIn(bob, payload, OptInSimulation.NewToken(), now);
        await PostAsync(cli, service, page, [aliceOptIn, bobOptIn], cancellationToken).ConfigureAwait(false);

        Step(cli, 3, "a follow-up delivered",
            $"The news exists: one message to everyone waiting on {payload}, each through their token.",
            $"otn followup send --page {page} --payload {payload} --text \"{Text}\" --wait");
        var delivered = await FollowUpAsync(cli, service, page, payload, timeout, cancellationToken).ConfigureAwait(false);
        Expect(delivered.Sent == 2, $"the follow-up to have messaged both users; {FollowUpProgress.Describe(delivered)}");

        Step(cli, 4, "the token refused on a second use",
            "A token grants one message. Meta re-delivers an opt-in (same token), as it does after a timeout; then a second follow-up on the same topic: the spent tokens are refused, so nobody is messaged twice.",
            $"otn simulate optin --page {page} --psid {alice} --payload {payload} --token <the same token>   then the same followup send again");
        await PostAsync(cli, service, page, [aliceOptIn], cancellationToken).ConfigureAwait(false);
        var second = await FollowUpAsync(cli, service, page, payload, timeout, cancellationToken).ConfigureAwait(false);
        Expect(second.Sent == 0, $"no message on a second use of the tokens; {FollowUpProgress.Describe(second)}");
        await ShowTokensAsync(cli, page, payload, [alice, bob], cancellationToken).ConfigureAwait(false);

        Step(cli, 5, "the purge",
            $"User {carol} opted in a year and a day ago: that token has expired and can never be sent. The service deletes expired tokens itself, on its PurgeSchedule; " +
            "the demo calls no purge: it shows, with a dry run, what the purge deletes.",
            $"otn simulate optin --page {page} --psid {carol} --payload {payload} --at {now.AddYears(-1).AddDays(-1):yyyy-MM-ddTHH:mm:ssZ}   then   otn purge --dry-run --page {page} --payload {payload}");
        await PostAsync(cli, service, page, [new SimulatedOptIn(carol, payload, OptInSimulation.NewToken(), now.AddYears(-1).AddDays(-1))], cancellationToken).ConfigureAwait(false);
        var preview = await PurgeCommand.PreviewAsync(cli, now, page, payload, cancellationToken).ConfigureAwait(false);
        PurgeCommand.Render(cli, preview);
        Expect(preview.Tokens == 1, $"the dry run to find exactly the expired token; it found {preview.Tokens}");

        cli.Out.WriteLine();
        cli.Out.WriteLine("The story, end to end: asked, opted in, told once, refused a second time, and the expired token found for the purge.");
    }

    private static void Step(CliContext cli, int number, string title, string story, string command)
    {
        cli.Out.WriteLine();
        // A plain heading rather than a Rule, which would fill the 400 columns a redirected output is given.
        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]── Step {number} of {Steps}: {title}[/]");
        cli.Out.WriteLine(story);
        cli.Out.MarkupLineInterpolated($"[grey]$ {command}[/]");
    }

    private static Task PostAsync(CliContext cli, ServiceClient service, string page, IReadOnlyList<SimulatedOptIn> optIns, CancellationToken cancellationToken) =>
        SimulateOptInCommand.SimulateAsync(cli, service, page, optIns, OptInSimulation.DefaultPerRequest, webhook: null, cancellationToken);

    private static Task<FollowUpStatus> FollowUpAsync(CliContext cli, ServiceClient service, string page, string payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        FollowUpSendCommand.SendAsync(cli, service, FollowUpSendCommand.Job(FollowUpSendCommand.NewJobId(cli.Time), page, payload, null, Text), wait: true, timeout, cancellationToken);

    /// <summary>Reads the users' tokens from storage, so the refusal is seen where it is decided: the token is spent.</summary>
    private static async Task ShowTokensAsync(CliContext cli, string page, string payload, IReadOnlyList<string> psids, CancellationToken cancellationToken)
    {
        await using var storage = StorageAccess.Open(cli);
        foreach (var psid in psids)
        {
            await foreach (var token in storage.Tokens.GetTokensAsync(page, payload, psid, cancellationToken).ConfigureAwait(false))
            {
                Expect(token.SpentAt is not null, $"user {psid}'s token to be spent");
                cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"User {psid}'s token: spent at {token.SpentAt:u}, never to be sent again."));
            }
        }
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new CommandException($"The demo expected {what}.");
        }
    }

    /// <summary>PSIDs are decimal numbers of about 16 digits; a random one keeps each run's users apart.</summary>
    private static string NewPsid() =>
        string.Create(CultureInfo.InvariantCulture, $"9{Random.Shared.NextInt64(100_000_000_000_000, 999_999_999_999_999)}");
}
