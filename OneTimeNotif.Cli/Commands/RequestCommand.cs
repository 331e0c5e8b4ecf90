using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OneTimeNotif.OptInRequests;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary>
/// <c>otn request</c>: the Page asks a user whether to notify them about a topic (Meta's OTN request template),
/// through the service's <c>POST /api/optin-requests</c>.
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

        var request = new Command("request", "Send a user the OTN request (\"Notify me\" card) through the service (needs Api__Key)")
        {
            page, psid, title, payload, sensitive,
        };
        request.SetAction(async (result, cancellationToken) =>
        {
            var body = Body(result.GetRequiredValue(page), result.GetRequiredValue(psid), result.GetRequiredValue(title), result.GetRequiredValue(payload), result.GetValue(sensitive) ?? []);
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

    public static async Task SendAsync(CliContext cli, ServiceClient service, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var messageId = await service.SendOptInRequestAsync(body, cancellationToken).ConfigureAwait(false);
        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Sent the OTN request to PSID {body["psid"]?.GetValue<string>()} on Page {body["pageId"]?.GetValue<string>()}, payload [bold]{body["payload"]?.GetValue<string>()}[/] (message {messageId ?? "without an ID"}).");
    }
}
