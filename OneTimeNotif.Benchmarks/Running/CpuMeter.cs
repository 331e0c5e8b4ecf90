using System.Diagnostics;
using System.Globalization;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>
/// CPU time used during a run by each process that takes part (the host, Azurite, this benchmark process with its
/// clients and the fake Send API) and by everything else on the machine. It says where a run's time went, and
/// whether something outside the benchmark was competing for the same two cores.
/// </summary>
internal sealed class CpuMeter
{
    private const string MachineStat = "/proc/stat";

    /// <summary>Linux reports /proc/stat in USER_HZ ticks, 100 a second on every mainstream architecture.</summary>
    private const double TicksPerSecond = 100;

    private readonly IReadOnlyList<(string Name, Process Process)> _processes;
    private readonly TimeSpan[] _startTimes;
    private readonly double? _machineStart;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private CpuMeter(IReadOnlyList<(string Name, Process Process)> processes)
    {
        _processes = processes;
        _startTimes = processes.Select(p => ProcessorTime(p.Process)).ToArray();
        _machineStart = MachineBusySeconds();
    }

    /// <param name="processes">The processes to account for by name; this process is always added as "benchmark".</param>
    public static CpuMeter Start(params (string Name, int ProcessId)[] processes) =>
        new([.. processes.Select(p => (p.Name, Process.GetProcessById(p.ProcessId))), ("benchmark", Process.GetCurrentProcess())]);

    /// <summary>Average cores each process used since the start; "other" is the rest of the machine (absent off Linux).</summary>
    public CpuUsage Stop()
    {
        var elapsed = _clock.Elapsed;
        var seconds = elapsed.TotalSeconds;
        var used = _processes.Select((p, i) => (p.Name, Cores: (ProcessorTime(p.Process) - _startTimes[i]).TotalSeconds / seconds)).ToList();
        if (_machineStart is { } start && MachineBusySeconds() is { } end)
        {
            used.Add(("other", Math.Max(0, ((end - start) / seconds) - used.Sum(u => u.Cores))));
        }
        foreach (var (_, process) in _processes)
        {
            process.Dispose();
        }
        return new CpuUsage(elapsed, used);
    }

    private static TimeSpan ProcessorTime(Process process)
    {
        try
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            // Exited: it used nothing more.
            return TimeSpan.Zero;
        }
    }

    /// <summary>Seconds of CPU the whole machine spent busy (all but idle and I/O wait), or null where /proc/stat is absent.</summary>
    private static double? MachineBusySeconds()
    {
        if (!File.Exists(MachineStat))
        {
            return null;
        }
        var fields = File.ReadLines(MachineStat).First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields.Length > 7 ? fields[7] : 0);
        return busy / TicksPerSecond;
    }
}

/// <summary>Average cores used per process over <see cref="Elapsed"/>.</summary>
internal sealed record CpuUsage(TimeSpan Elapsed, IReadOnlyList<(string Name, double Cores)> Processes)
{
    public double CoresOf(string name) => Processes.FirstOrDefault(p => p.Name == name).Cores;

    /// <summary>CPU microseconds a process spent per unit of work done during the run.</summary>
    public double MicrosecondsPer(string name, long items) => CoresOf(name) * Elapsed.TotalSeconds * 1e6 / items;
}
