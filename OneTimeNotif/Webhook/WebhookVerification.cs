using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.Webhook;

/// <summary>Meta's subscription handshake: echo <c>hub.challenge</c> only to someone who knows the verify token.</summary>
public sealed class WebhookVerification(IOptions<MessengerOptions> options)
{
    // Comparing hashes keeps the comparison constant-time even when the lengths differ.
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.VerifyToken));

    public bool Accepts(string? mode, string? verifyToken, string? challenge) =>
        mode == "subscribe"
        && !string.IsNullOrEmpty(challenge)
        && verifyToken is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(verifyToken)), _expected);
}
