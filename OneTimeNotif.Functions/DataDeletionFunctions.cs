using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Functions.Http;
using OneTimeNotif.Privacy;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Functions;

/// <summary>
/// Meta's data-deletion callback and its status page (anonymous: Meta and people cannot send a key; the signed request
/// and the unguessable code guard them), and the queue trigger that erases the user.
/// </summary>
public sealed class DataDeletionFunctions(
    DataDeletionRequests requests,
    DataDeletionQueueClient queue,
    DataDeletionProcessor processor,
    IOptionsMonitor<MessengerOptions> messenger,
    IOptionsMonitor<PrivacyOptions> privacy,
    ILogger<DataDeletionRequests> logger)
{
    /// <summary><see cref="DataDeletionEndpoints.Route"/> without the <c>/api/</c> prefix the Functions host adds.</summary>
    private const string Route = "meta/data-deletion";

    [Function(nameof(ReceiveDataDeletion))]
    public async Task<IActionResult> ReceiveDataDeletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        (await DataDeletionEndpoints.ReceiveAsync(request, requests, queue, messenger, privacy, logger, cancellationToken).ConfigureAwait(false)).ToActionResult();

    /// <remarks>The request is only the trigger; <paramref name="code"/> is bound from the route.</remarks>
    [Function(nameof(DataDeletionStatus))]
    public async Task<IActionResult> DataDeletionStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route + "/{code}")] HttpRequest request,
        string code,
        CancellationToken cancellationToken) =>
        (await DataDeletionEndpoints.StatusPageAsync(code, requests, cancellationToken).ConfigureAwait(false)).ToActionResult();

    [Function(nameof(ServeDataDeletion))]
    public Task ServeDataDeletion(
        [QueueTrigger(DataDeletionQueueClient.QueueName, Connection = StorageOptions.SectionName)] string message,
        CancellationToken cancellationToken) =>
        processor.ProcessAsync(message, cancellationToken);
}
