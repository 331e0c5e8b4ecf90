using System.Globalization;
using Spectre.Console;

namespace OneTimeNotif.Cli;

/// <summary>
/// Progress of long work: a live bar on a terminal; elsewhere (a pipe, a file, CI) a plain line each time the
/// progress reads differently, so a log shows every step, the last one included, and no redraw codes.
/// </summary>
internal static class LiveProgress
{
    /// <param name="total">The bar's length; null when unknown, then the bar only shows that work goes on.</param>
    public static async Task RunAsync(CliContext cli, string description, double? total, Func<IProgress<ProgressState>, Task> work)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(work);
        if (!cli.Out.Profile.Capabilities.Interactive)
        {
            string? last = null;
            await work(new Reporter(state =>
            {
                var line = total is > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{state.Description}: {Math.Floor(100 * Math.Min(state.Value, total.Value) / total.Value)}%")
                    : state.Description;
                if (line != last)
                {
                    cli.Out.WriteLine(line);
                    last = line;
                }
            })).ConfigureAwait(false);
            return;
        }
        await cli.Out.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(description), maxValue: total is > 0 ? total.Value : 1);
                task.IsIndeterminate = total is not > 0;
                await work(new Reporter(state =>
                {
                    task.Description = Markup.Escape(state.Description);
                    if (state.Done)
                    {
                        task.IsIndeterminate = false;
                        task.Value = task.MaxValue;
                    }
                    else
                    {
                        task.Value = Math.Min(state.Value, task.MaxValue);
                    }
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>Reports at once, on the caller's thread: <see cref="Progress{T}"/> would post to the thread pool and could print out of order.</summary>
    private sealed class Reporter(Action<ProgressState> report) : IProgress<ProgressState>
    {
        public void Report(ProgressState value) => report(value);
    }
}

/// <param name="Done">The work is over: the bar fills, whatever <paramref name="Value"/> says.</param>
internal readonly record struct ProgressState(string Description, double Value, bool Done = false);
