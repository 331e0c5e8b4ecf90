using System.Text.Json.Nodes;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>Follow-up job messages as other services write them.</summary>
public static class Jobs
{
    public const string Text = "Back in stock: the blue kettle";

    public static string NewJobId() => $"job-{Guid.NewGuid():N}";

    public static string Json(string jobId, string pageId, string payload, string? psid = null, string text = Text)
    {
        var job = new JsonObject { ["jobId"] = jobId, ["pageId"] = pageId, ["payload"] = payload };
        if (psid is not null)
        {
            job["psid"] = psid;
        }
        job["message"] = new JsonObject { ["text"] = text };
        return job.ToJsonString();
    }
}
