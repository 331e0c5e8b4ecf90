using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.Timers;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Host.Triggers;

namespace OneTimeNotif.Testing.Functions;

/// <summary>
/// The worker's queue and timer triggers on Microsoft's WebJobs SDK, the engine the Functions host runs them on: the
/// queue listener of Microsoft.Azure.WebJobs.Extensions.Storage.Queues (batches, invisibility while processing,
/// retries, <c>&lt;queue&gt;-poison</c> after <c>maxDequeueCount</c>) configured from host.json's
/// <c>extensions.queues</c>, and the timer of Microsoft.Azure.WebJobs.Extensions. Each trigger becomes an
/// InvocationRequest to the worker; a failed invocation fails the WebJobs function, so the SDK's retry applies.
/// </summary>
/// <remarks>
/// The WebJobs SDK indexes attributes on methods, so the worker's trigger settings reach them as configuration:
/// <see cref="QueueFunction"/> listens on <c>%FunctionsHost:Queue:Name%</c> with its connection copied to a fixed
/// name, <see cref="SecondQueueFunction"/> likewise on <c>%FunctionsHost:Queue1:Name%</c>. Two queue-triggered and one
/// timer-triggered function at most, which is what this app has (follow-ups and data deletions; the purge).
/// </remarks>
internal static class WorkerTriggers
{
    public const string QueueNameSetting = "FunctionsHost:Queue:Name";
    public const string QueueConnection = "FunctionsHostQueue";
    public const string SecondQueueNameSetting = "FunctionsHost:Queue1:Name";
    public const string SecondQueueConnection = "FunctionsHostQueue1";
    public const string TimerScheduleSetting = "FunctionsHost:Timer:Schedule";

    /// <summary>App settings that override host.json, as on Azure: <c>AzureFunctionsJobHost__extensions__queues__batchSize</c>.</summary>
    private const string HostJsonOverridePrefix = "AzureFunctionsJobHost__";

    public static IHost? Build(FunctionsWorker worker, string appDirectory, IReadOnlyDictionary<string, string> appSettings, string stateDirectory, HostOutput output)
    {
        var queues = worker.Functions.Where(f => f.IsTriggeredBy("queueTrigger")).ToList();
        if (queues.Count > QueueFunctions.Length)
        {
            throw new NotSupportedException($"This test host runs {QueueFunctions.Length} queueTrigger functions at most; the app has {string.Join(", ", queues.Select(f => f.Name))}.");
        }
        var timer = Single(worker.Functions, "timerTrigger");
        if (queues.Count == 0 && timer is null)
        {
            return null;
        }
        var settings = Settings(appSettings);
        var hostJson = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(appDirectory, "host.json"), optional: true)
            .AddInMemoryCollection(appSettings.Where(s => s.Key.StartsWith(HostJsonOverridePrefix, StringComparison.OrdinalIgnoreCase))
                .Select(s => KeyValuePair.Create(s.Key[HostJsonOverridePrefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)s.Value)))
            .Build();
        List<Type> functionClasses = [];
        foreach (var (queue, (nameSetting, queueConnection, functionClass)) in queues.Zip(QueueFunctions))
        {
            settings[nameSetting] = Resolve(queue.TriggerProperty("queueName"), settings);
            var connection = queue.TriggerProperty("connection") ?? "AzureWebJobsStorage";
            foreach (var (key, value) in settings.Where(s => s.Key == connection || s.Key.StartsWith(connection + ":", StringComparison.Ordinal)).ToList())
            {
                settings[queueConnection + key[connection.Length..]] = value;
            }
            functionClasses.Add(functionClass);
        }
        if (timer is not null)
        {
            settings[TimerScheduleSetting] = Resolve(timer.TriggerProperty("schedule"), settings);
            functionClasses.Add(typeof(TimerFunction));
        }

        return new HostBuilder()
            .ConfigureAppConfiguration(configuration => configuration.Sources.Clear())
            .ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings))
            .ConfigureLogging(logging => logging.ClearProviders().AddProvider(new OutputLoggerProvider(output, LogLevel.Information)))
            .ConfigureWebJobs(webJobs =>
            {
                webJobs.AddAzureStorageQueues(options => hostJson.GetSection("extensions:queues").Bind(options));
                if (timer is not null)
                {
                    webJobs.AddTimers();
                }
            })
            .ConfigureServices(services =>
            {
                services.Replace(ServiceDescriptor.Singleton<ITypeLocator>(new FunctionClassLocator(functionClasses)));
                services.Replace(ServiceDescriptor.Singleton(InertAzureLogForwarder.Create()));
                services.AddSingleton(new WorkerInvoker(worker, queues, timer));
                // Timers 3.0.6 keeps its schedule status in blobs through the legacy WindowsAzure.Storage 9.3 SDK, whose
                // request signing creates the en-US culture: that throws under this repository's InvariantGlobalization.
                // The status goes to a file instead; the run-one-at-a-time lock stays the SDK's default, in memory,
                // which is the whole truth for this host's single instance.
                services.Replace(ServiceDescriptor.Singleton<ScheduleMonitor>(new FileSystemScheduleMonitor(stateDirectory)));
            })
            .Build();
    }

    /// <summary>The WebJobs functions that carry the worker's queue triggers, in order, with the settings each reads.</summary>
    private static readonly (string NameSetting, string Connection, Type Function)[] QueueFunctions =
    [
        (QueueNameSetting, QueueConnection, typeof(QueueFunction)),
        (SecondQueueNameSetting, SecondQueueConnection, typeof(SecondQueueFunction)),
    ];

    private static WorkerFunction? Single(IEnumerable<WorkerFunction> functions, string trigger)
    {
        var triggered = functions.Where(f => f.IsTriggeredBy(trigger)).ToList();
        return triggered.Count <= 1
            ? triggered.SingleOrDefault()
            : throw new NotSupportedException($"This test host runs one {trigger} function; the app has {string.Join(", ", triggered.Select(f => f.Name))}.");
    }

    /// <summary>App settings as configuration keys (<c>__</c> becomes <c>:</c>), as the WebJobs SDK reads them.</summary>
    private static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string> appSettings) =>
        appSettings.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)s.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>A binding value such as <c>%PurgeSchedule%</c>, resolved from the app settings as the host does.</summary>
    private static string Resolve(string? value, Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value is ['%', .. var name, '%']
            ? settings.GetValueOrDefault(name) ?? throw new InvalidOperationException($"The app setting {name} is missing.")
            : value;
    }
}

/// <summary>Turns a WebJobs trigger into the worker's invocation, and the worker's failure into the trigger's.</summary>
internal sealed class WorkerInvoker(FunctionsWorker worker, IReadOnlyList<WorkerFunction> queues, WorkerFunction? timer)
{
    /// <param name="queueIndex">Which of the worker's queue-triggered functions, in <see cref="WorkerTriggers"/>'s order.</param>
    public Task InvokeQueueAsync(int queueIndex, QueueMessage message, CancellationToken cancellationToken)
    {
        var function = queueIndex < queues.Count ? queues[queueIndex] : throw new InvalidOperationException("The app has no such queue-triggered function.");
        var body = string.Equals(function.TriggerProperty("dataType"), "binary", StringComparison.OrdinalIgnoreCase)
            ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(message.Body.ToArray()) }
            : new TypedData { String = message.Body.ToString() };
        var request = Request(function, body);
        // The queue trigger's binding data, by the names the Functions host gives them.
        request.TriggerMetadata["QueueTrigger"] = new TypedData { String = message.Body.ToString() };
        request.TriggerMetadata["DequeueCount"] = Json(message.DequeueCount);
        request.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        request.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        request.TriggerMetadata["InsertionTime"] = Json(message.InsertedOn);
        request.TriggerMetadata["ExpirationTime"] = Json(message.ExpiresOn);
        request.TriggerMetadata["NextVisibleTime"] = Json(message.NextVisibleOn);
        return InvokeAsync(function, request, cancellationToken);
    }

    public Task InvokeTimerAsync(TimerInfo info, CancellationToken cancellationToken)
    {
        var function = timer ?? throw new InvalidOperationException("The app has no timer-triggered function.");
        var status = new
        {
            ScheduleStatus = info.ScheduleStatus is { } s ? new { s.Last, s.Next, s.LastUpdated } : null,
            info.IsPastDue,
        };
        return InvokeAsync(function, Request(function, Json(status)), cancellationToken);
    }

    private static InvocationRequest Request(WorkerFunction function, TypedData trigger)
    {
        var request = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.Id,
            TraceContext = new RpcTraceContext { TraceParent = Activity.Current?.Id ?? string.Empty, TraceState = string.Empty },
        };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = trigger });
        return request;
    }

    private static TypedData Json<T>(T value) => new() { Json = JsonSerializer.Serialize(value) };

    private async Task InvokeAsync(WorkerFunction function, InvocationRequest request, CancellationToken cancellationToken)
    {
        var response = await worker.InvokeAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Result.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{function.Name} ({request.InvocationId}) {response.Result.Status}: {response.Result.Exception?.Message}"));
        }
    }
}

/// <summary>The WebJobs function that listens on the worker's queue. Public: the WebJobs SDK indexes public methods only.</summary>
internal sealed class QueueFunction(WorkerInvoker invoker)
{
    [FunctionName("QueueTrigger")]
    public Task RunAsync(
        [QueueTrigger("%" + WorkerTriggers.QueueNameSetting + "%", Connection = WorkerTriggers.QueueConnection)] QueueMessage message,
        CancellationToken cancellationToken) =>
        invoker.InvokeQueueAsync(0, message, cancellationToken);
}

/// <summary>The WebJobs function that listens on the worker's second queue.</summary>
internal sealed class SecondQueueFunction(WorkerInvoker invoker)
{
    [FunctionName("SecondQueueTrigger")]
    public Task RunAsync(
        [QueueTrigger("%" + WorkerTriggers.SecondQueueNameSetting + "%", Connection = WorkerTriggers.SecondQueueConnection)] QueueMessage message,
        CancellationToken cancellationToken) =>
        invoker.InvokeQueueAsync(1, message, cancellationToken);
}

/// <summary>The WebJobs function that runs on the worker's timer schedule.</summary>
internal sealed class TimerFunction(WorkerInvoker invoker)
{
    [FunctionName("TimerTrigger")]
    public Task RunAsync([TimerTrigger("%" + WorkerTriggers.TimerScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        invoker.InvokeTimerAsync(timer, cancellationToken);
}
