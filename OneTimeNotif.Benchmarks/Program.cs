using System.CommandLine;
using OneTimeNotif.Benchmarks;
using OneTimeNotif.Benchmarks.Running;

var duration = new Option<int>("--duration")
{
    Description = "Seconds each timed ingest run lasts (host and raw storage, 1 and 50 opt-ins per POST).",
    DefaultValueFactory = _ => 30,
};
var recipients = new Option<int>("--recipients")
{
    Description = "Users opted in on the fan-out topic; each fan-out run messages all of them.",
    DefaultValueFactory = _ => 10_000,
};
var concurrency = new Option<int>("--concurrency")
{
    Description = "Concurrent senders in the timed ingest runs.",
    DefaultValueFactory = _ => 32,
};
var phases = new Option<string>("--phases")
{
    Description = $"Comma-separated phases to run, in this order: {string.Join(",", PhaseCatalog.Names)}.",
    DefaultValueFactory = _ => string.Join(",", PhaseCatalog.Names),
};
var hostSettings = new Option<string[]>("--host-setting")
{
    Description = "NAME=VALUE environment variable for every host process (repeatable), such as DOTNET_gcServer=0 or FollowUps__SendConcurrency=32; printed with the figures.",
    DefaultValueFactory = _ => [],
};
var waitIdle = new Option<int>("--wait-idle")
{
    Description = "Before each run, wait up to this many seconds for other processes to leave the CPU alone (shared machines); 0 to start at once.",
    DefaultValueFactory = _ => 0,
};
var purgeTokens = new Option<int>("--purge-tokens")
{
    Description = "Tokens stored in each purge run (0.1 %, 1 % and 10 % of them expired); the host's timer purges them.",
    DefaultValueFactory = _ => 100_000,
};
duration.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 3600) { r.AddError("--duration must be 1 to 3600 seconds."); } });
recipients.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000) { r.AddError("--recipients must be 1 to 1,000,000."); } });
waitIdle.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 3600) { r.AddError("--wait-idle must be 0 to 3600 seconds."); } });
purgeTokens.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1000 or > 1_000_000) { r.AddError("--purge-tokens must be 1,000 to 1,000,000 (0.1 % of them at least one token)."); } });
concurrency.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1024) { r.AddError("--concurrency must be 1 to 1024."); } });
hostSettings.Validators.Add(r =>
{
    foreach (var setting in r.GetValueOrDefault<string[]>() ?? [])
    {
        if (setting.IndexOf('=', StringComparison.Ordinal) < 1)
        {
            r.AddError($"--host-setting '{setting}' is not NAME=VALUE.");
        }
    }
});
phases.Validators.Add(r =>
{
    var unknown = PhaseCatalog.Unknown(BenchmarkOptions.SplitPhases(r.GetValueOrDefault<string>() ?? ""));
    if (unknown.Count > 0)
    {
        r.AddError($"Unknown phase(s) {string.Join(", ", unknown)}; known: {string.Join(", ", PhaseCatalog.Names)}.");
    }
});

var root = new RootCommand("OneTimeNotif benchmarks: the standalone host as a child process, Azurite and the fake Send API, all on 127.0.0.1.")
{
    duration, recipients, concurrency, phases, hostSettings, waitIdle, purgeTokens,
};
root.SetAction((parse, cancellationToken) =>
{
    var options = new BenchmarkOptions(
        TimeSpan.FromSeconds(parse.GetValue(duration)),
        parse.GetValue(recipients),
        parse.GetValue(concurrency),
        BenchmarkOptions.SplitPhases(parse.GetValue(phases)!),
        BenchmarkOptions.ParseSettings(parse.GetValue(hostSettings) ?? []),
        TimeSpan.FromSeconds(parse.GetValue(waitIdle)),
        parse.GetValue(purgeTokens));
    return BenchmarkRunner.RunAsync(options, Console.Out, cancellationToken);
});
return await root.Parse(args).InvokeAsync();
