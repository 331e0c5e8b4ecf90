namespace OneTimeNotif.Cli;

/// <summary>The service has no <c>/api/optin-requests</c> (an empty 404): a version that does not send OTN requests.</summary>
/// <remarks>Its own type so the demo can tell that story without the step instead of failing.</remarks>
internal sealed class OptInRequestsMissingException : CommandException
{
    public OptInRequestsMissingException(string message)
        : base(message)
    {
    }

    public OptInRequestsMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OptInRequestsMissingException()
    {
    }
}
