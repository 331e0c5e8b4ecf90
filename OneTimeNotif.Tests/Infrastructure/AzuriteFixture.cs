namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// The suite's one way to share Azurite: a test class takes it as its class fixture (or, for classes that must run one
/// at a time over the same store, as their collection's fixture) and its tests keep apart by their own Page IDs. A
/// class has its own Azurite because the hosts it starts consume the one follow-up queue. Only a test that breaks
/// storage (an outage) or needs it pristine (a purge that sweeps the whole store) starts an Azurite of its own.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Azurite? _azurite;

    public Azurite Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync() => _azurite = await Azurite.StartAsync();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class UsesOperatorTools : ICollectionFixture<AzuriteFixture>
{
    /// <summary>The CLI's tests and the operator reads share one Azurite and run one class at a time.</summary>
    public const string Name = "Operator tools";
}
