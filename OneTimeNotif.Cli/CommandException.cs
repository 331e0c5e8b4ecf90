namespace OneTimeNotif.Cli;

/// <summary>A failure the person at the terminal can act on; its message is the one line the CLI prints.</summary>
internal class CommandException : Exception
{
    public CommandException(string message)
        : base(message)
    {
    }

    public CommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CommandException()
    {
    }
}
