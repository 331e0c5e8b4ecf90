using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// A message of the <c>otn-followups</c> queue: a job as submitted (start it, or resume it), or one segment of a
/// job's recipients. The service enqueues the segments itself, with a <c>segment</c> property the contract leaves
/// to it, so no invocation has to walk 100,000 recipients.
/// </summary>
/// <param name="After">
/// For a segment: the last token row of the segment before it (empty for the first), which names the segment and
/// finds its stored range. Null for the job as submitted.
/// </param>
/// <param name="Retry">How many times this segment was put back after throttling or a transient failure.</param>
public sealed record FollowUpMessage(FollowUpJob Job, string? After, int Retry)
{
    /// <summary>The job as submitted, not one of its segments.</summary>
    public bool IsJob => After is null;

    public static FollowUpMessage Segment(FollowUpJob job, string after, int retry = 0) => new(job, after, retry);

    public static bool TryParse(string text, out FollowUpMessage? message, out string? error)
    {
        message = null;
        if (!FollowUpJob.TryParseObject(text, out var root, out error) || !FollowUpJob.TryRead(root!, out var job, out error))
        {
            return false;
        }
        var segment = root!["segment"];
        if (segment is null)
        {
            message = new FollowUpMessage(job!, null, 0);
            return true;
        }
        if (segment is JsonObject s
            && s["after"] is JsonValue after && after.GetValueKind() == JsonValueKind.String
            && s["retry"] is JsonValue retry && retry.TryGetValue(out int retries) && retries >= 0)
        {
            message = new FollowUpMessage(job!, after.GetValue<string>(), retries);
            return true;
        }
        error = "segment must be {\"after\": a string, \"retry\": a non-negative number}.";
        return false;
    }

    public string ToJson()
    {
        var json = Job.ToJsonObject();
        if (After is not null)
        {
            json["segment"] = new JsonObject { ["after"] = After, ["retry"] = Retry };
        }
        return json.ToJsonString(FollowUpJob.Serialization);
    }
}
