namespace OneTimeNotif.Http;

/// <summary>
/// How services authenticate to the key-protected routes: Azure Functions reads a Function key from this header,
/// and the standalone host's key filter reads its own key from the same header, so callers need not know which.
/// </summary>
public static class FunctionKey
{
    public const string HeaderName = "x-functions-key";
}
