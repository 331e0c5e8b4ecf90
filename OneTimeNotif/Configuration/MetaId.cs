namespace OneTimeNotif.Configuration;

/// <summary>Page IDs and PSIDs are decimal numbers in every Graph API payload.</summary>
/// <remarks>
/// Holding them to that keeps them safe inside Table Storage keys (which forbid / \ # ? and control characters)
/// and keeps key prefixes unambiguous: no ID can contain the key separator.
/// </remarks>
public static class MetaId
{
    public const int MaxLength = 32;

    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && id.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;
}
