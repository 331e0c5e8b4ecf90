using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

// Writes the Azure Functions worker protocol (the FunctionRpc service and its messages) as a protobuf
// FileDescriptorSet, read from the NuGet package Microsoft.Azure.Functions.Worker.Grpc: the worker's own compiled
// description, so the test host speaks exactly the protocol of the worker version the app references. The package's
// generated types are internal (and client-side only), so the description is read through reflection and protoc
// generates the host's server side from it (OneTimeNotif.Testing.csproj).
if (args is not [var output])
{
    Console.Error.WriteLine("usage: OneTimeNotif.WorkerProtocol <output.pb>");
    return 2;
}

const string ReflectionType = "Microsoft.Azure.Functions.Worker.Grpc.Messages.FunctionRpcReflection, Microsoft.Azure.Functions.Worker.Grpc";
var descriptorProperty = Type.GetType(ReflectionType, throwOnError: true)!
    .GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)
    ?? throw new InvalidOperationException($"{ReflectionType} has no static Descriptor: the package's layout changed.");
var protocol = (FileDescriptor)descriptorProperty.GetValue(null)!;

var set = new FileDescriptorSet();
var added = new HashSet<string>(StringComparer.Ordinal);
AddWithDependencies(protocol);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllBytes(output, set.ToByteArray());
Console.WriteLine($"{output}: {string.Join(", ", set.File.Select(f => f.Name))}");
return 0;

// protoc needs every imported file in the set, each after the files it imports.
void AddWithDependencies(FileDescriptor file)
{
    if (!added.Add(file.Name))
    {
        return;
    }
    foreach (var dependency in file.Dependencies)
    {
        AddWithDependencies(dependency);
    }
    set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
}
