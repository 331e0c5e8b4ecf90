using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// Sits in the host's Table Storage pipeline (before the SDK's retries): counts the entities each read returns, and
/// fails the requests a test names, as an outage of one kind of call would.
/// </summary>
public sealed class StorageTraffic : HttpPipelinePolicy
{
    private int _entitiesRead;

    /// <summary>
    /// Requests for which this returns true fail at once, without the SDK's retries, with 403 AuthorizationFailure: a
    /// fault that lasts (a revoked key, a firewall rule), unlike throttling, which delivery waits out.
    /// </summary>
    public Func<HttpMessage, bool>? FailWhen { get; set; }

    /// <summary>Entities returned by point reads and queries since the last <see cref="ResetCounts"/>.</summary>
    public int EntitiesRead => Volatile.Read(ref _entitiesRead);

    public void ResetCounts() => Interlocked.Exchange(ref _entitiesRead, 0);

    /// <summary>A query of <paramref name="table"/> whose filter contains <paramref name="condition"/> (decoded, e.g. "RowKey gt").</summary>
    public static bool IsQuery(HttpMessage message, string table, string condition) =>
        message.Request.Method == RequestMethod.Get
        && message.Request.Uri.Path.Contains(table, StringComparison.Ordinal)
        && Uri.UnescapeDataString(message.Request.Uri.Query).Contains(condition, StringComparison.Ordinal);

    public TableServiceClient CreateClient(string connectionString)
    {
        var options = new TableClientOptions();
        options.AddPolicy(this, HttpPipelinePosition.PerCall);
        return new TableServiceClient(connectionString, options);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        FailIfAsked(message);
        ProcessNext(message, pipeline);
        Count(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        FailIfAsked(message);
        await ProcessNextAsync(message, pipeline);
        Count(message);
    }

    private void FailIfAsked(HttpMessage message)
    {
        if (FailWhen?.Invoke(message) == true)
        {
            throw new RequestFailedException(403, "Storage fault injected by the test.", "AuthorizationFailure", null);
        }
    }

    private void Count(HttpMessage message)
    {
        if (message.Request.Method != RequestMethod.Get || message.Response.Status != 200 || message.Request.Uri.Path.EndsWith("Tables", StringComparison.Ordinal))
        {
            return;
        }
        using var body = JsonDocument.Parse(message.Response.Content);
        var entities = body.RootElement.TryGetProperty("value", out var rows) && rows.ValueKind == JsonValueKind.Array ? rows.GetArrayLength() : 1;
        Interlocked.Add(ref _entitiesRead, entities);
    }
}
