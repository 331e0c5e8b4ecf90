namespace OneTimeNotif.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The service, storage or configuration said no, or could not be reached.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself was wrong: a missing or malformed option.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}
