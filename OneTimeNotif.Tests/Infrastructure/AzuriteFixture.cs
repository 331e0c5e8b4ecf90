namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>One Azurite for every integration test class; tests keep apart by using their own Page IDs.</summary>
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
public sealed class UsesAzurite : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

[CollectionDefinition(Name)]
public sealed class UsesOperatorTools : ICollectionFixture<AzuriteFixture>
{
    /// <summary>The CLI's tests and the operator reads share one Azurite and run one class at a time.</summary>
    public const string Name = "Operator tools";
}
