using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OneTimeNotif.OptInRequests;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary>
/// <c>otn request</c>: the Page asks a user whether to notify them about a topic (Meta's OTN request template, or with
/// <c>--recurring</c> the recurring one), through the service's <c>POST /api/optin-requests</c>.
/// </summary>
internal static class RequestCommand
{
    public static Command Create(CliContext cli, CommonOptions common)
    {
        var page = CommonOptions.Page("The Page that asks");
        var psid = CommonOptions.Id("--psid", "The user asked (inside Meta's 24-hour window)");
        var title = new Option<string>("--title") { Description = "What the user reads on the \"Notify me\" card (Meta: at most 65 characters)", Required = true, HelpName = "TEXT" };
        var payload = CommonOptions.Payload("The topic, echoed back in the opt-in and answered by a follow-up");
        var sensitive = new Option<string[]>("--sensitive")
        {
            Description = "A value that must not appear in the payload (a name, an account number); repeatable",
            HelpName = "VALUE",
            AllowMultipleArgumentsPerToken = false,
        };

        var recurring = new Option<bool>("--recurring") { Description = "Ask for recurring notifications (Meta's notification_messages) instead of one OTN message" };
        var imageUrl = CommonOptions.AbsoluteUrl("--image-url", "--recurring: the card's image (an https URL)");
        var cta = new Option<string>("--cta") { Description = "--recurring: the button text", HelpName = "TEXT" };
        cta.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } text && !OptInRequestRules.CtaTexts.Contains(text, StringComparer.Ordinal))
            {
                r.AddError($"--cta must be one of {string.Join(", ", OptInRequestRules.CtaTexts)} (got '{text}').");
            }
        });
        var timezone = new Option<string>("--timezone") { Description = "--recurring: the user's IANA time zone, such as Europe/Paris", HelpName = "ZONE" };

        var request = new Command("request", "Send a user the OTN request (\"Notify me\" card), or with --recurring the recurring one, through the service (needs Api__Key)")
        {
            page, psid, title, payload, sensitive, recurring, imageUrl, cta, timezone,
        };
        request.Validators.Add(r =>
        {
            if (!r.GetValue(recurring) && (r.GetValue(imageUrl) is not null || r.GetValue(cta) is not null || r.GetValue(timezone) is not null))
            {
                r.AddError("--image-url, --cta and --timezone belong to a recurring request: add --recurring.");
            }
        });
        request.SetAction(async (result, cancellationToken) =>
        {
            var body = Body(result.GetRequiredValue(page), result.GetRequiredValue(psid), result.GetRequiredValue(title), result.GetRequiredValue(payload), result.GetValue(sensitive) ?? []);
            if (result.GetValue(recurring))
            {
                AddRecurring(body, result.GetValue(imageUrl), result.GetValue(cta), result.GetValue(timezone));
            }
            using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(result.GetValue(common.Url)));
            await SendAsync(cli, service, body, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return request;
    }

    public static JsonObject Body(string page, string psid, string title, string payload, IReadOnlyCollection<string> sensitive)
    {
        var body = new JsonObject { ["pageId"] = page, ["psid"] = psid, ["title"] = title, ["payload"] = payload };
        if (sensitive.Count > 0)
        {
            body[OptInRequest.SensitiveValuesField] = new JsonArray([.. sensitive.Select(v => (JsonNode?)v)]);
        }
        return body;
    }

    private static void AddRecurring(JsonObject body, Uri? imageUrl, string? cta, string? timezone)
    {
        body["kind"] = OptInRequest.RecurringKindName;
        if (imageUrl is not null)
        {
            body["imageUrl"] = imageUrl.AbsoluteUri;
        }
        if (cta is not null)
        {
            body["ctaText"] = cta;
        }
        if (timezone is not null)
        {
            body["timezone"] = timezone;
        }
    }

    public static async Task SendAsync(CliContext cli, ServiceClient service, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var messageId = await service.SendOptInRequestAsync(body, cancellationToken).ConfigureAwait(false);
        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Sent the {(body["kind"]?.GetValue<string>() == OptInRequest.RecurringKindName ? "recurring" : "OTN")} request to PSID {body["psid"]?.GetValue<string>()} on Page {body["pageId"]?.GetValue<string>()}, payload [bold]{body["payload"]?.GetValue<string>()}[/] (message {messageId ?? "without an ID"}).");
    }
}
