using OneTimeNotif.Tokens;

namespace OneTimeNotif.Webhook;

/// <summary>The opt-ins (OTN, and recurring with their stop and resume events) found in one webhook POST, and how many could not be used.</summary>
/// <param name="OptIns">Every usable opt-in, across all entries, messaging items and Pages.</param>
/// <param name="Unusable">
/// Opt-ins that lack what a follow-up needs (a token, a numeric PSID or Page ID), carry a recurring status this service
/// does not know, or whose text is not valid Unicode (a lone surrogate escape).
/// </param>
/// <param name="Ignored">Events of other kinds (messages, postbacks, reads...), which are not this service's concern.</param>
public sealed record OptInBatch(IReadOnlyList<OptIn> OptIns, int Unusable, int Ignored);
