using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.SendApi;

namespace OneTimeNotif.OptInRequests;

/// <summary>
/// Sends the OTN request template (<c>one_time_notif_req</c>) to a user through the Send API, after checking
/// everything Meta would refuse or forbids, so a bad request costs no call and no rate-limit budget.
/// </summary>
public sealed class OptInRequestSender(SendApiClient sendApi, IOptionsMonitor<MessengerOptions> messenger, ILogger<OptInRequestSender> logger)
{
    public const string TemplateType = "one_time_notif_req";

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
        var result = MetaAnswers.ToResult(request.PageId, sent);
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

    /// <summary>The message Meta documents: a template attachment whose only settable fields are title and payload.</summary>
    public static JsonObject Template(OptInRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new JsonObject
        {
            ["attachment"] = new JsonObject
            {
                ["type"] = "template",
                ["payload"] = new JsonObject
                {
                    ["template_type"] = TemplateType,
                    ["title"] = request.Title,
                    ["payload"] = request.Payload,
                },
            },
        };
    }
}
