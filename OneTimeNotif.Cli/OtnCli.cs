using System.CommandLine;
using OneTimeNotif.Cli.Commands;

namespace OneTimeNotif.Cli;

/// <summary>The <c>otn</c> command line: builds the commands, runs one, and turns every failure into one line and an exit code.</summary>
internal static class OtnCli
{
    public static RootCommand Build(CliContext cli)
    {
        var common = new CommonOptions();
        return new RootCommand(
            "otn: try and operate a OneTimeNotif service. Settings come from the hosts' environment variables " +
            "(Messenger__AppSecret, Api__Key, OtnStorage, Messenger__Pages__*) and Otn__Url, the service's base URL.")
        {
            common.Url,
            SimulateOptInCommand.Create(cli, common),
            new Command("followup", "Follow-ups: tell the users waiting on a topic")
            {
                FollowUpSendCommand.Create(cli, common),
                FollowUpStatusCommand.Create(cli, common),
            },
            RequestCommand.Create(cli, common),
            TokensStatsCommand.Create(cli),
            PurgeCommand.Create(cli),
            UserEraseCommand.Create(cli, common),
            DemoCommand.Create(cli, common),
        };
    }

    public static async Task<int> RunAsync(string[] args, CliContext cli, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var parsed = Build(cli).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, and where to read more: the full help would bury the mistake.
            await cli.Error.WriteLineAsync($"error: {FirstError(parsed)} See '{CommandPath(parsed)} --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                // Help is already laid out for the terminal: write it as is, not through Spectre's own wrapping.
                Output = cli.Out.Profile.Out.Writer,
                Error = cli.Error,
                EnableDefaultExceptionHandler = false,
                // Program cancels on Ctrl+C itself; one mechanism, so an interruption always ends as exit code 130.
                ProcessTerminationTimeout = null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await cli.Error.WriteLineAsync("error: cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            await cli.Error.WriteLineAsync($"error: {ErrorLine.For(e)}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }

    /// <summary>A mistyped command also leaves its parent without a command; the unknown word is what to tell.</summary>
    private static string FirstError(ParseResult parsed)
    {
        var unmatched = parsed.UnmatchedTokens;
        var error = parsed.Errors.FirstOrDefault(e => unmatched.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))) ?? parsed.Errors[0];
        return error.Message;
    }

    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "otn" : result.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
