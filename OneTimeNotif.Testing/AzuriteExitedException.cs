namespace OneTimeNotif.Testing;

/// <summary>Azurite stopped before all three of its services listened; the message carries what it printed.</summary>
public sealed class AzuriteExitedException(int exitCode, IReadOnlyList<string> output)
    : InvalidOperationException($"Azurite exited with code {exitCode} before listening: {string.Join(Environment.NewLine, output)}")
{
    /// <summary>Another process bound one of the chosen ports first: worth another try on fresh ports.</summary>
    public bool LostPortRace { get; } = output.Any(line => line.Contains("EADDRINUSE", StringComparison.Ordinal));
}
