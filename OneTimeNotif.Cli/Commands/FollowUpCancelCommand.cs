using System.CommandLine;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary><c>otn followup cancel JOB</c>: <c>DELETE /api/followups/{jobId}</c>, then the job's state and counts.</summary>
internal static class FollowUpCancelCommand
{
    public static Command Create(CliContext cli, CommonOptions common)
    {
        var jobId = new Argument<string>("JOB") { Description = "The follow-up job's ID" };
        var cancel = new Command("cancel", "Cancel a follow-up job: no message starts once this answers, calls under way finish, tokens not used are freed (needs Api__Key)") { jobId };
        cancel.SetAction(async (result, cancellationToken) =>
        {
            var id = result.GetRequiredValue(jobId);
            using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(result.GetValue(common.Url)));
            var cancelled = await service.CancelFollowUpAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new CommandException($"The service at {service.BaseUrl} knows no follow-up job '{id}'.");
            cli.Out.WriteLine(FollowUpProgress.Describe(cancelled));
            return ExitCodes.Ok;
        });
        return cancel;
    }
}
