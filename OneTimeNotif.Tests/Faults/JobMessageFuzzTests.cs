using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Faults;

/// <summary>Generated and mutated job messages never crash the processor; the unreadable ones are poisoned with a reason.</summary>
public sealed class JobMessageFuzzTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static Gen<string> Messages =>
        from original in Gen.Fresh(() => Jobs.Json(Jobs.NewJobId(), NewId(), "P", NewId()))
        from message in Gen.Frequency((4, Mutations.Of(original)), (1, Mutations.Json))
        select message;

    [Fact]
    public async Task NoJobMessageCrashesTheProcessorAndEveryUnreadableOneIsPoisonedWithAReason()
    {
        // No Page is served, so a message that happens to be a valid job stops harmlessly.
        await using var app = new OneTimeNotifApplication(storage.Azurite);
        var processor = app.Services.GetRequiredService<FollowUpProcessor>();
        var poison = app.Services.GetRequiredService<FollowUpQueueClient>().PoisonQueue;
        var unreadable = 0;

        await Task.Run(() => Prop.ForAll(Messages.ToArbitrary(), message =>
        {
            if (!FollowUpMessage.TryParse(message, out _, out _))
            {
                unreadable++;
            }
            processor.ProcessAsync(message, 1).GetAwaiter().GetResult();
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300)));

        var parked = new List<string>();
        while ((await poison.ReceiveMessagesAsync(32)).Value is { Length: > 0 } batch)
        {
            parked.AddRange(batch.Select(m => m.Body.ToString()));
            foreach (var message in batch)
            {
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
        Assert.True(unreadable > 30, $"only {unreadable} unreadable messages were generated");
        Assert.Equal(unreadable, parked.Count);
        Assert.All(parked, p => Assert.Matches("\"reason\":\"[^\"]{10,}", p));
    }
}
