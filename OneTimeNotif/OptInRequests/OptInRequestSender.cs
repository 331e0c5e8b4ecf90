using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.SendApi;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.OptInRequests;

/// <summary>
/// Sends a request template to a user through the Send API, OTN (<c>one_time_notif_req</c>) or recurring
/// (<c>notification_messages</c>), after checking everything Meta would refuse or forbids, so a bad request costs
/// no call and no rate-limit budget.
/// </summary>
public sealed class OptInRequestSender(SendApiClient sendApi, IOptionsMonitor<MessengerOptions> messenger, ILogger<OptInRequestSender> logger)
{
    public const string TemplateType = "one_time_notif_req";
    public const string RecurringTemplateType = "notification_messages";

    public async Task<OptInRequestResult> SendAsync(OptInRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = OptInRequestRules.Check(request, messenger.CurrentValue.Pages.Keys);
        if (problems.Count > 0)
        {
            OptInRequestLog.Invalid(logger, problems.Count);
            return OptInRequestResult.Invalid(string.Join(" ", problems));
        }

        var sent = await sendApi.SendToUserAsync(request.PageId, request.Psid, Template(request), cancellationToken).ConfigureAwait(false);
        var result = MetaAnswers.ToResult(request.PageId, request.Kind, sent);
        if (result.Status == OptInRequestStatus.Sent)
        {
            OptInRequestLog.Sent(logger, request.PageId);
        }
        else
        {
            OptInRequestLog.Refused(logger, request.PageId, result.Status, result.Error?.Code, result.Error?.Subcode);
        }
        return result;
    }

    /// <summary>
    /// The message Meta documents: a template attachment. OTN sets only title and payload; recurring adds the
    /// optional image, time zone and button text.
    /// </summary>
    public static JsonObject Template(OptInRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var template = new JsonObject
        {
            ["template_type"] = request.Kind == TokenKind.Recurring ? RecurringTemplateType : TemplateType,
            ["title"] = request.Title,
            ["payload"] = request.Payload,
        };
        if (request.Kind == TokenKind.Recurring)
        {
            AddIfSet(template, "image_url", request.ImageUrl?.AbsoluteUri);
            AddIfSet(template, "notification_messages_timezone", request.Timezone);
            AddIfSet(template, "notification_messages_cta_text", request.CtaText);
        }
        return new JsonObject { ["attachment"] = new JsonObject { ["type"] = "template", ["payload"] = template } };
    }

    private static void AddIfSet(JsonObject template, string name, string? value)
    {
        if (value is not null)
        {
            template[name] = value;
        }
    }
}
