using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OneTimeNotif.FollowUps;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary><c>otn followup send</c>: tell everyone waiting on a topic (or one user), through <c>POST /api/followups</c>.</summary>
internal static class FollowUpSendCommand
{
    public static Command Create(CliContext cli, CommonOptions common)
    {
        var page = CommonOptions.Page();
        var payload = CommonOptions.Payload("The opt-in payload this follow-up answers");
        var text = new Option<string>("--text") { Description = "The message text", Required = true, HelpName = "TEXT" };
        text.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { Length: 0 or > FollowUpJob.MaxTextLength })
            {
                r.AddError($"--text must be 1 to {FollowUpJob.MaxTextLength} characters (Meta's limit).");
            }
        });
        var psid = CommonOptions.Id("--psid", "Only this user", required: false);
        var jobId = new Option<string?>("--job-id") { Description = "The idempotency key (default: a new one); the same ID never messages a user twice", HelpName = "ID" };
        jobId.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { Length: 0 or > FollowUpJob.MaxJobIdLength })
            {
                r.AddError($"--job-id must be 1 to {FollowUpJob.MaxJobIdLength} characters.");
            }
        });
        var wait = new Option<bool>("--wait") { Description = "Follow the job until it completes or stops, with a progress bar (counts waiting users when OtnStorage is set)" };
        var timeout = CommonOptions.Seconds("--timeout", "With --wait: seconds to wait", 300);

        var send = new Command("send", "Submit a follow-up: every user waiting on the payload (or --psid) gets the text once (needs Api__Key)")
        {
            page, payload, text, psid, jobId, wait, timeout,
        };
        send.SetAction(async (result, cancellationToken) =>
        {
            var job = Job(result.GetValue(jobId) ?? NewJobId(cli.Time), result.GetRequiredValue(page), result.GetRequiredValue(payload), result.GetValue(psid), result.GetRequiredValue(text));
            using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(result.GetValue(common.Url)));
            var status = await SendAsync(cli, service, job, result.GetValue(wait), TimeSpan.FromSeconds(result.GetValue(timeout)), cancellationToken).ConfigureAwait(false);
            return status.State is JobState.Stopped or JobState.Cancelled ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return send;
    }

    public static string NewJobId(TimeProvider time) =>
        string.Create(CultureInfo.InvariantCulture, $"cli-{time.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");

    public static FollowUpJob Job(string jobId, string page, string payload, string? psid, string text)
    {
        var job = new FollowUpJob(jobId, page, payload, psid, new JsonObject { ["text"] = text });
        // The library's own rules, checked before anything is sent.
        return FollowUpJob.TryRead(job.ToJsonObject(), out _, out var error) ? job : throw new CommandException(error!);
    }

    /// <summary>Submits the job and, with <paramref name="wait"/>, follows it to its end; prints what happened.</summary>
    public static async Task<FollowUpStatus> SendAsync(CliContext cli, ServiceClient service, FollowUpJob job, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        int? waiting = wait && cli.Settings.HasStorage ? await CountWaitingUsersAsync(cli, job, cancellationToken).ConfigureAwait(false) : null;
        var status = await service.SubmitFollowUpAsync(job, cancellationToken).ConfigureAwait(false);
        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Submitted follow-up job [bold]{job.JobId}[/] for Page {job.PageId}, payload [bold]{job.Payload}[/]{(job.Psid is null ? "" : $", PSID {job.Psid}")}: {status.State.ToName()}{(waiting is null ? "" : $", {waiting} user(s) waiting")}.");
        if (!wait)
        {
            cli.Out.MarkupLineInterpolated($"Follow it with: otn followup status {job.JobId}");
            return status;
        }
        status = await FollowUpProgress.WaitAsync(cli, service, job.JobId, waiting, timeout, cancellationToken).ConfigureAwait(false);
        if (status.State == JobState.Stopped)
        {
            throw new CommandException($"{FollowUpProgress.Describe(status).TrimEnd('.')}. Fix the cause and send the same job again (--job-id {job.JobId}) to resume it.");
        }
        if (status.State == JobState.Cancelled)
        {
            throw new CommandException($"{FollowUpProgress.Describe(status).TrimEnd('.')}: someone cancelled it.");
        }
        cli.Out.WriteLine(FollowUpProgress.Describe(status));
        return status;
    }

    /// <summary>The users the job will message, read before it starts (a topic's tokens are one partition range).</summary>
    private static async Task<int> CountWaitingUsersAsync(CliContext cli, FollowUpJob job, CancellationToken cancellationToken)
    {
        await using var storage = StorageAccess.Open(cli);
        var now = cli.Time.GetUtcNow();
        var users = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var token in storage.Tokens.GetTokensAsync(job.PageId, job.Payload, job.Psid, cancellationToken).ConfigureAwait(false))
        {
            if (token.IsAvailableAt(now))
            {
                users.Add(token.Psid);
            }
        }
        return users.Count;
    }
}
