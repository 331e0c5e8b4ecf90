using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.Privacy;

/// <summary>
/// Meta's <c>signed_request</c>: <c>&lt;signature&gt;.&lt;payload&gt;</c>, both base64url without padding, the signature
/// being HMAC-SHA256 of the payload's text under the App Secret. The payload names the app-scoped user ID.
/// </summary>
public static class SignedRequest
{
    public const string Algorithm = "HMAC-SHA256";

    /// <summary>Checks the signature (in constant time) and reads the payload; nothing is trusted before the check.</summary>
    /// <param name="userId">The app-scoped user ID the request is about.</param>
    /// <param name="error">Why the request is refused, without echoing any of it.</param>
    public static bool TryVerify(string? signedRequest, string appSecret, out string? userId, out string? error)
    {
        ArgumentException.ThrowIfNullOrEmpty(appSecret);
        userId = null;
        var parts = (signedRequest ?? "").Split('.');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = "signed_request must be <signature>.<payload>, both base64url.";
            return false;
        }
        if (!TryDecode(parts[0], out var signature) || !TryDecode(parts[1], out var payload))
        {
            error = "signed_request is not base64url.";
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.ASCII.GetBytes(parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(signature, expected))
        {
            error = "The signature of signed_request does not match.";
            return false;
        }
        return TryReadPayload(payload, out userId, out error);
    }

    /// <summary>Signs a payload as Meta does: for the fake, the CLI and tests.</summary>
    public static string Sign(string payloadJson, string appSecret)
    {
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        var signature = Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.ASCII.GetBytes(payload)));
        return $"{signature}.{payload}";
    }

    private static bool TryReadPayload(byte[] payload, out string? userId, out string? error)
    {
        userId = null;
        try
        {
            if (JsonNode.Parse(payload) is JsonObject json
                && Text(json["algorithm"]) is { } algorithm
                && Text(json["user_id"]) is { } id)
            {
                if (!string.Equals(algorithm, Algorithm, StringComparison.OrdinalIgnoreCase))
                {
                    error = $"signed_request uses {algorithm}; only {Algorithm} is accepted.";
                    return false;
                }
                if (!MetaId.IsValid(id))
                {
                    error = "The user_id of signed_request is not a Meta ID.";
                    return false;
                }
                userId = id;
                error = null;
                return true;
            }
        }
        catch (JsonException)
        {
            // Reported below, like a payload without its fields.
        }
        error = "The payload of signed_request must be a JSON object with algorithm and user_id.";
        return false;
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (!Base64Url.IsValid(text))
        {
            return false;
        }
        bytes = Base64Url.DecodeFromChars(text);
        return true;
    }
}
