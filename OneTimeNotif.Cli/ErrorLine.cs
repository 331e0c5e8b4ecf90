using Azure;
using Microsoft.Extensions.Options;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Cli;

/// <summary>Turns any failure into the single line the CLI prints: what went wrong and, where known, what to check.</summary>
internal static class ErrorLine
{
    public static string For(Exception exception) => exception switch
    {
        CommandException => exception.Message,
        // The library's own start-up validation: it names the missing key, as the hosts do.
        OptionsValidationException => FirstLine(exception.Message),
        _ when StorageFailure.IsStorageFault(exception) =>
            $"Storage could not be read: {StorageReason(exception)}. Check OtnStorage (locally: is ./run.sh running?).",
        _ => $"Unexpected {exception.GetType().Name}: {FirstLine(exception.Message)}",
    };

    public static string FirstLine(string text)
    {
        var line = text.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).ToString();
    }

    /// <summary>
    /// Built from the status and error code rather than the SDK's message, which spans many lines (headers included).
    /// The SDK reports its retries as an aggregate: the last attempt says the most.
    /// </summary>
    private static string StorageReason(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: > 0 } aggregate => StorageReason(aggregate.InnerExceptions[^1]),
        RequestFailedException { Status: 0 } failed => FirstLine(failed.InnerException?.Message ?? failed.Message),
        RequestFailedException failed => $"it answered {failed.Status} {failed.ErrorCode}",
        _ => FirstLine(exception.Message),
    };
}
