using Azure;

namespace OneTimeNotif.Storage;

internal static class NullableResponseExtensions
{
    /// <summary>The entity, or null when it does not exist (reading <c>.Value</c> of an empty response throws).</summary>
    public static T? ValueOrNull<T>(this NullableResponse<T> response) where T : class =>
        response.HasValue ? response.Value : null;
}
