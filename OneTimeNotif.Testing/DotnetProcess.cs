using System.Diagnostics;

namespace OneTimeNotif.Testing;

/// <summary>
/// Starts <c>dotnet some.dll</c> as a child process configured only through the environment it is given, as in
/// production, its output read line by line into a <see cref="HostOutput"/>. Shared by the standalone host and the
/// Functions worker.
/// </summary>
internal static class DotnetProcess
{
    /// <summary>
    /// Inherited variables that would configure the app (its sections, the purge schedule, logging, ASP.NET Core's
    /// and the environment names, the Functions worker's own): only what the caller passes may change its behaviour.
    /// </summary>
    private static readonly string[] ClearedPrefixes =
    [
        "OtnStorage", "Messenger__", "Webhook__", "SendApi__", "FollowUps__", "Purge", "Api__", "extensions__",
        "Logging__", "ASPNETCORE_", "DOTNET_ENVIRONMENT", "AZURE_FUNCTIONS_", "FUNCTIONS_", "AzureWebJobs",
    ];

    public static Process Start(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, HostOutput output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll)),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in start.Environment.Keys.Where(k => ClearedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
