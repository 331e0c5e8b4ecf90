using Azure.Data.Tables;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>What a delivery's outcome means for the token it was bound to.</summary>
internal enum TokenUse
{
    /// <summary>Never to be used again: Meta refused it, or it expired.</summary>
    Spent,

    /// <summary>A message reached Meta with it, or may have: an OTN token is spent; a recurring one cools down from now.</summary>
    Used,

    /// <summary>No message reached Meta with it: free for other jobs, and a recurring one no longer counted as sent.</summary>
    Unused,

    /// <summary>Meta says a recurring token was used within its interval (4/2018354): free, cooling down from now.</summary>
    CoolingDown,

    /// <summary>Meta says the user stopped the recurring token (10/1893015): stopped, as a stop event would.</summary>
    Stopped,
}

/// <summary>The merge that records a <see cref="TokenUse"/> on the bound token, for OTN and recurring tokens alike.</summary>
internal static class TokenChanges
{
    /// <summary>A recurring binding remembers the token's last send before it (<see cref="DeliveryEntity.TokenLastSentBefore"/>); an OTN one does not.</summary>
    public static bool IsRecurring(DeliveryEntity delivery) => delivery.TokenLastSentBefore is not null;

    public static TableEntity Of(DeliveryEntity delivery, TokenUse use, DateTimeOffset now)
    {
        var change = new TableEntity(delivery.PartitionKey, delivery.TokenRowKey);
        if (use == TokenUse.Spent || (use == TokenUse.Used && !IsRecurring(delivery)))
        {
            // The reservation stays: a spent token is never bound again, and the job that spent it shows in it.
            change[nameof(TokenEntity.SpentAt)] = now;
            return change;
        }
        change[nameof(TokenEntity.BoundJobId)] = "";
        if (!IsRecurring(delivery))
        {
            return change;
        }
        change[nameof(TokenEntity.LastSentAt)] = use is TokenUse.Used or TokenUse.CoolingDown ? now : delivery.TokenLastSentBefore;
        if (use == TokenUse.Stopped)
        {
            change[nameof(TokenEntity.Stopped)] = true;
            change[nameof(TokenEntity.StoppedAt)] = now;
            // Later than any event Meta sent before this answer; a resume Meta sends afterwards is later still.
            change[nameof(TokenEntity.StatusAt)] = now;
        }
        return change;
    }
}
