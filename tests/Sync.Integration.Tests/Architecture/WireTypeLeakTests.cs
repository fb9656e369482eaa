using System.Reflection;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// The generated protobuf types (namespace Sync.Protocol.V1, or any protobuf message) are the wire format: outside
/// Sync.Protocol no public or protected member of a public type may take, return or expose one, so callers of the
/// engine and the carriers never depend on the wire format. The gRPC carrier compiles its service and envelope
/// messages itself, as internal types behind its seam. (Projects that do not reference Sync.Protocol cannot:
/// ProjectReferenceTableTests.)
/// </summary>
public sealed class WireTypeLeakTests
{
    private const string WireNamespace = "Sync.Protocol.V1";

    private static readonly string[] Assemblies =
    [
        "Sync.Core", "Sync.Fec", "Sync.Engine", "Sync.Transport.FileDrop", "Sync.Transport.Grpc", "Sync.Transport.Udp",
    ];

    public static TheoryData<string> Names() => [.. Assemblies];

    [Theory]
    [MemberData(nameof(Names))]
    public void No_public_api_outside_the_protocol_exposes_a_generated_wire_type(string name)
    {
        var leaks = Leaks(Assembly.Load(name)).Distinct().ToList();
        Assert.True(leaks.Count == 0, $"{name} exposes wire types:\n{string.Join("\n", leaks)}");
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

    /// <summary>A generated type: in the wire namespace, or any protobuf message (whatever namespace its .proto names).</summary>
    private static bool IsWire(Type type) => type.Namespace == WireNamespace || typeof(Google.Protobuf.IMessage).IsAssignableFrom(type);
}
