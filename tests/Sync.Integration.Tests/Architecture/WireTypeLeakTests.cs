using System.Reflection;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// The generated protobuf types (namespace Sync.Protocol.V1) are the wire format: outside Sync.Protocol no public or
/// protected member of a public type may take, return or expose one, so callers of the engine and the carriers never
/// depend on the wire format. (Projects that do not reference Sync.Protocol cannot: ProjectReferenceTableTests.)
/// The gRPC carrier still does, in the places listed here (its sessions and endpoint services, which the agents
/// compose; issue 12): the list is a ratchet, so a new leak fails, and so does a listed one that is gone until it is
/// struck from the list.
/// </summary>
public sealed class WireTypeLeakTests
{
    private const string WireNamespace = "Sync.Protocol.V1";

    private static readonly string[] Assemblies =
    [
        "Sync.Core", "Sync.Fec", "Sync.Engine", "Sync.Transport.FileDrop", "Sync.Transport.Grpc", "Sync.Transport.Udp",
    ];

    private static readonly string[] KnownGrpcLeaks =
    [
        "Sync.Transport.Grpc.GrpcDeltaSink..ctor uses Sync.Protocol.V1.InsideMessage",
        "Sync.Transport.Grpc.GrpcDeltaSink..ctor uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.GrpcDeltaSource..ctor uses Sync.Protocol.V1.InsideMessage",
        "Sync.Transport.Grpc.GrpcDeltaSource..ctor uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.GrpcDeltaSource.PeekAsync uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.GrpcDeltaSource.ReceiveAsync uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.GrpcErrors.KindOf uses Sync.Protocol.V1.Outcome+Types+Status",
        "Sync.Transport.Grpc.InsideEndpointService derives from Sync.Protocol.V1.InsideEndpoint+InsideEndpointBase",
        "Sync.Transport.Grpc.InsideEndpointService.Push uses Sync.Protocol.V1.InsideMessage",
        "Sync.Transport.Grpc.InsideEndpointService.Push uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.InsideSession.Prefetch uses Sync.Protocol.V1.InsideMessage",
        "Sync.Transport.Grpc.InsideSession.Prefetch uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.InsideSession.RunAsync uses Sync.Protocol.V1.InsideMessage",
        "Sync.Transport.Grpc.InsideSession.RunAsync uses Sync.Protocol.V1.Outcome",
        "Sync.Transport.Grpc.InsideSession.RunAsync uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.OutsideEndpointService derives from Sync.Protocol.V1.OutsideEndpoint+OutsideEndpointBase",
        "Sync.Transport.Grpc.OutsideEndpointService.Pull uses Sync.Protocol.V1.InsideMessage",
        "Sync.Transport.Grpc.OutsideEndpointService.Pull uses Sync.Protocol.V1.OutsideMessage",
        "Sync.Transport.Grpc.OutsideSession.RunAsync uses Sync.Protocol.V1.InsideMessage",
        "Sync.Transport.Grpc.OutsideSession.RunAsync uses Sync.Protocol.V1.OutsideMessage",
    ];

    public static TheoryData<string> Names() => [.. Assemblies];

    [Theory]
    [MemberData(nameof(Names))]
    public void No_public_api_outside_the_protocol_exposes_a_generated_wire_type(string name)
    {
        var leaks = Leaks(Assembly.Load(name)).Distinct().ToList();
        var known = name == "Sync.Transport.Grpc" ? KnownGrpcLeaks : [];
        var added = leaks.Except(known).ToList();
        var gone = known.Except(leaks).ToList();
        Assert.True(added.Count == 0, $"{name} exposes wire types:\n{string.Join("\n", added)}");
        Assert.True(gone.Count == 0, $"{name} no longer exposes these: strike them from the known leaks\n{string.Join("\n", gone)}");
    }

    [Fact]
    public void The_check_finds_a_wire_type_where_there_is_one()
    {
        // Sync.Protocol's own public API is made of them: the check must see that.
        Assert.NotEmpty(Leaks(Assembly.Load("Sync.Protocol")));
    }

    private static IEnumerable<string> Leaks(Assembly assembly)
    {
        const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetExportedTypes())
        {
            if (IsWire(type))
            {
                yield return $"{type.FullName} is itself a wire type";
                continue;
            }

            foreach (var base_ in new[] { type.BaseType }.Concat(type.GetInterfaces()).OfType<Type>().Where(IsWire))
            {
                yield return $"{type.FullName} derives from {base_.FullName}";
            }

            foreach (var member in type.GetMembers(Members).Where(Visible))
            {
                foreach (var used in Signature(member).Where(IsWire))
                {
                    yield return $"{type.FullName}.{member.Name} uses {used.FullName}";
                }
            }
        }
    }

    private static bool Visible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily),
        Type t => t.IsNestedPublic || t.IsNestedFamily,
        _ => false,
    };

    private static IEnumerable<Type> Signature(MemberInfo member) => member switch
    {
        MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType).SelectMany(Expand),
        ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType).SelectMany(Expand),
        FieldInfo f => Expand(f.FieldType),
        PropertyInfo p => Expand(p.PropertyType),
        EventInfo e => e.EventHandlerType is { } handler ? Expand(handler) : [],
        _ => [],
    };

    /// <summary>The type and every type it is made of: element types and generic arguments (Task&lt;Outcome&gt; leaks Outcome).</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        yield return type;
        if (type.HasElementType)
        {
            foreach (var inner in Expand(type.GetElementType()!))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType)
        {
            foreach (var inner in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return inner;
            }
        }
    }

    private static bool IsWire(Type type) => type.Namespace == WireNamespace;
}
