using System.Runtime.InteropServices;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>Runs the chosen phases in order, then prints the summary table and any correctness failure.</summary>
internal static class BenchmarkRunner
{
    /// <returns>0 when every check held (targets missed or not), 1 after a correctness failure or a phase that broke.</returns>
    public static async Task<int> RunAsync(BenchmarkOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var run = new BenchmarkRun(options, output);
        output.WriteLine($"OneTimeNotif benchmarks on {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        output.WriteLine($"duration {options.Duration.TotalSeconds:0} s per timed run, {options.Concurrency} concurrent senders, {options.Recipients} fan-out recipients, {options.PurgeTokens} tokens per purge run");
        if (options.HostSettings.Count > 0)
        {
            output.WriteLine($"host settings: {string.Join(" ", options.HostSettings.Select(s => $"{s.Key}={s.Value}"))}");
        }
        var idle = CpuMeter.Start();
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var before = idle.Stop();
        output.WriteLine($"before starting, other processes used {before.CoresOf("other"):0.00} cores");
        run.WarnIfShared(before.Processes);

        foreach (var phase in PhaseCatalog.Select(options.Phases))
        {
            output.WriteLine();
            output.WriteLine($"== {phase.Name} ==");
            try
            {
                await phase.RunAsync(run, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One broken phase should not hide the figures of the others. The full exception goes to stderr;
                // the summary keeps the part a reader acts on.
                Console.Error.WriteLine(e);
                run.Fail($"phase {phase.Name} broke: {e.GetType().Name}: {e.Message}");
                foreach (var line in run.DeadStorageOutput())
                {
                    output.WriteLine($"    {line}");
                }
            }
        }

        output.WriteLine();
        output.WriteLine("== summary ==");
        run.Summary.WriteTo(output);
        if (run.Failures.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"{run.Failures.Count} correctness failure(s):");
            foreach (var failure in run.Failures)
            {
                output.WriteLine($"- {failure}");
            }
            return 1;
        }
        return 0;
    }
}
