using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// One queue message's worth of a follow-up: the job, and which segment of its recipients to serve. A job as
/// submitted starts at the beginning; the service itself enqueues the later segments (with a <c>segment</c>
/// property the contract leaves to it), so no invocation has to walk 100,000 recipients.
/// </summary>
/// <param name="Cursor">Where in the topic's tokens this segment starts (a Table Storage continuation); null for the start.</param>
/// <param name="Retry">How many times this segment was put back after a transient failure (throttling does not count).</param>
/// <param name="IsFirstSegment">The job as submitted (no <c>segment</c> property): its first copy starts the job.</param>
public sealed record FollowUpWork(FollowUpJob Job, string? Cursor, int Retry, bool IsFirstSegment = false)
{
    public static bool TryParse(string text, out FollowUpWork? work, out string? error)
    {
        work = null;
        if (!FollowUpJob.TryParseObject(text, out var root, out error) || !FollowUpJob.TryRead(root!, out var job, out error))
        {
            return false;
        }
        var segment = root!["segment"];
        if (segment is null)
        {
            work = new FollowUpWork(job!, null, 0, IsFirstSegment: true);
            return true;
        }
        if (segment is JsonObject s
            && s["cursor"] is var cursor && (cursor is null || cursor.GetValueKind() == JsonValueKind.String)
            && s["retry"] is JsonValue retry && retry.TryGetValue(out int retries) && retries >= 0)
        {
            work = new FollowUpWork(job!, cursor?.GetValue<string>(), retries);
            return true;
        }
        error = "segment must be {\"cursor\": string or null, \"retry\": a non-negative number}.";
        return false;
    }

    public string ToJson()
    {
        var json = Job.ToJsonObject();
        json["segment"] = new JsonObject { ["cursor"] = Cursor, ["retry"] = Retry };
        return json.ToJsonString();
    }
}
