using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.Testing;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>
/// What a phase works with: the options, the output, the summary, and the parts it starts on loopback (a fresh
/// Azurite, the fake Send API in this process, the host in a child process), each disposed by the phase.
/// </summary>
internal sealed class BenchmarkRun(BenchmarkOptions options, TextWriter output)
{
    /// <summary>More CPU than this used by processes outside the benchmark makes a run's figures suspect.</summary>
    private const double BusyMachineCores = 0.2;

    private readonly List<string> _failures = [];
    private readonly List<Azurite> _storages = [];

    public BenchmarkOptions Options { get; } = options;

    public TextWriter Out { get; } = output;

    public SummaryTable Summary { get; } = new();

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Adds a figure to the summary and prints it at once.</summary>
    public void Report(Figure figure)
    {
        Summary.Add(figure);
        var target = figure.Target is null ? "" : $"  (target {figure.Target}: {(figure.Verdict == "yes" ? "met" : "MISSED")})";
        Out.WriteLine($"  [{figure.Run}] {figure.Name}: {figure.FormattedValue} {figure.Unit}{target}");
    }

    /// <summary>
    /// Where a run's CPU went, in cores (of <see cref="Environment.ProcessorCount"/>), and per unit of work when
    /// <paramref name="items"/> is given: CPU per item barely moves when other work shares the machine, unlike a rate.
    /// </summary>
    public void ReportCpu(string phase, string runLabel, CpuUsage usage, long items = 0, string itemName = "")
    {
        ArgumentNullException.ThrowIfNull(usage);
        foreach (var (name, cores) in usage.Processes)
        {
            Summary.Add(new Figure(phase, runLabel, $"CPU {name}", cores, "cores", 2));
        }
        Out.WriteLine($"  [{runLabel}] CPU in cores of {Environment.ProcessorCount}: {string.Join(", ", usage.Processes.Select(u => $"{u.Name} {u.Cores:0.00}"))}");
        if (items > 0)
        {
            foreach (var (name, _) in usage.Processes.Where(p => p.Name != "other"))
            {
                Report(new Figure(phase, runLabel, $"CPU {name} per {itemName}", usage.MicrosecondsPer(name, items), "us", 0));
            }
        }
        WarnIfShared(usage.Processes);
    }

    /// <summary>Figures taken while other work ran on the same cores are low by an unknown amount: say so.</summary>
    public void WarnIfShared(IReadOnlyList<(string Name, double Cores)> usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var other = usage.FirstOrDefault(u => u.Name == "other").Cores;
        if (other > BusyMachineCores)
        {
            Out.WriteLine($"  WARNING: other processes used {other:0.00} cores meanwhile; these figures understate what this machine can do.");
        }
    }

    /// <summary>A correctness failure: printed now, repeated after the summary, and the command exits non-zero.</summary>
    public void Fail(string message)
    {
        _failures.Add(message);
        Out.WriteLine($"  FAILURE: {message}");
    }

    /// <summary>A fresh in-memory Azurite, so each run starts from empty tables and the previous run's data costs nothing.</summary>
    /// <remarks>Every run starts with its storage, so this is also where a run waits for a quiet machine.</remarks>
    public async Task<Azurite> StartStorageAsync(CancellationToken cancellationToken)
    {
        await WaitForIdleAsync(cancellationToken);
        var storage = await Azurite.StartAsync();
        _storages.Add(storage);
        return storage;
    }

    /// <summary>
    /// On a machine shared with other work (CI runners, colleagues' builds), waits up to <c>--wait-idle</c> for three
    /// quiet seconds in a row, so a run does not start in the middle of someone else's burst.
    /// </summary>
    private async Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        if (Options.WaitIdle <= TimeSpan.Zero)
        {
            return;
        }
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var quiet = 0;
        while (quiet < 3 && waited.Elapsed < Options.WaitIdle)
        {
            var meter = CpuMeter.Start();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            quiet = meter.Stop().CoresOf("other") < BusyMachineCores ? quiet + 1 : 0;
        }
        if (quiet < 3)
        {
            Out.WriteLine($"  the machine was still busy after {waited.Elapsed.TotalSeconds:0} s; measuring anyway");
        }
        else if (waited.Elapsed > TimeSpan.FromSeconds(4))
        {
            Out.WriteLine($"  waited {waited.Elapsed.TotalSeconds:0} s for other processes to go quiet");
        }
    }

    /// <summary>What an Azurite that died during the phase printed last: a broken run's likeliest cause.</summary>
    public IEnumerable<string> DeadStorageOutput() =>
        _storages.Where(s => s.HasExited).SelectMany(s => s.Output.TakeLast(20).Prepend("Azurite exited; its last output:"));

    /// <param name="maxCallsPerSecondPerPage">The fake's 613 limit per Page; 0 for none.</param>
    public static Task<FakeSendApiServer> StartSendApiAsync(int maxCallsPerSecondPerPage, params string[] pages) =>
        FakeSendApiServer.StartAsync(new FakeSendApiOptions
        {
            AppSecret = LocalSecrets.AppSecret,
            PageTokens = pages.ToDictionary(p => p, _ => LocalSecrets.PageAccessToken),
            MaxCallsPerSecondPerPage = maxCallsPerSecondPerPage,
        });

    /// <summary>Starts the host on a free loopback port, pointed at <paramref name="storage"/> and <paramref name="sendApi"/>.</summary>
    /// <param name="settings">Further environment variables, such as <c>Messenger__Pages__{id}__MessagesPerSecond</c>.</param>
    public Task<BenchmarkHost> StartHostAsync(
        Azurite storage,
        FakeSendApiServer sendApi,
        IEnumerable<string> pages,
        IReadOnlyDictionary<string, string>? settings,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(sendApi);
        var environment = new Dictionary<string, string>
        {
            ["OtnStorage"] = storage.ConnectionString,
            ["Messenger__AppSecret"] = LocalSecrets.AppSecret,
            ["Messenger__VerifyToken"] = LocalSecrets.VerifyToken,
            ["Messenger__GraphApiVersion"] = LocalSecrets.GraphApiVersion,
            ["Messenger__GraphBaseUrl"] = sendApi.BaseUrl.ToString(),
            ["Api__Key"] = LocalSecrets.ApiKey,
            // Information-level lines for every request would cost the host CPU the benchmark is measuring.
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var page in pages)
        {
            environment[$"Messenger__Pages__{page}__AccessToken"] = LocalSecrets.PageAccessToken;
        }
        // The phase's own settings win over --host-setting: they define what the phase measures.
        foreach (var (name, value) in Options.HostSettings.Concat(settings ?? new Dictionary<string, string>()))
        {
            environment[name] = value;
        }
        return BenchmarkHost.StartAsync(environment, cancellationToken);
    }
}
