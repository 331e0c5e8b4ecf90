using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace OneTimeNotif.Testing.Functions;

/// <summary>
/// A function the worker reported (its <c>RpcFunctionMetadata</c>), with its trigger read from the raw binding JSON
/// the worker's SDK generated, the same JSON <c>functions.metadata</c> holds.
/// </summary>
public sealed class WorkerFunction
{
    internal WorkerFunction(RpcFunctionMetadata metadata)
    {
        Metadata = metadata;
        Name = metadata.Name;
        Id = metadata.FunctionId;
        var bindings = metadata.RawBindings.Select(raw => JsonDocument.Parse(raw).RootElement.Clone()).ToList();
        Trigger = bindings.FirstOrDefault(b => Text(b, "type")?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true);
        TriggerType = Trigger is { } trigger ? Text(trigger, "type") : null;
        TriggerName = Trigger is { } named ? Text(named, "name") : null;
    }

    public string Name { get; }

    /// <summary>The id the worker gave the function; every load and invocation names it.</summary>
    public string Id { get; }

    /// <summary><c>httpTrigger</c>, <c>queueTrigger</c>, <c>timerTrigger</c>...</summary>
    public string? TriggerType { get; }

    /// <summary>The trigger parameter's binding name: the name of the invocation's input data.</summary>
    public string? TriggerName { get; }

    internal JsonElement? Trigger { get; }

    internal RpcFunctionMetadata Metadata { get; }

    public bool IsTriggeredBy(string type) => string.Equals(TriggerType, type, StringComparison.OrdinalIgnoreCase);

    /// <summary>A property of the trigger binding, such as <c>route</c>, <c>queueName</c> or <c>schedule</c>.</summary>
    public string? TriggerProperty(string name) => Trigger is { } trigger ? Text(trigger, name) : null;

    /// <summary>A list property of the trigger binding, such as <c>methods</c>.</summary>
    public IReadOnlyList<string> TriggerList(string name) =>
        Trigger is { } trigger && Property(trigger, name) is { ValueKind: JsonValueKind.Array } list
            ? [.. list.EnumerateArray().Select(item => item.GetString()!)]
            : [];

    private static string? Text(JsonElement binding, string name) =>
        Property(binding, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>Binding JSON is case-insensitive (the Functions host reads it so).</summary>
    private static JsonElement? Property(JsonElement binding, string name) =>
        binding.EnumerateObject().Where(p => p.NameEquals(name) || string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            .Select(p => (JsonElement?)p.Value).FirstOrDefault();
}
