using System.Xml.Linq;

namespace Sync.Core.Tests.Architecture;

/// <summary>
/// The allowed references of every project under src/, read from the project files: a new edge (a project, a
/// package or a shared framework) fails here until this table says it is meant, and so does a project the table
/// does not know. The table is the picture of the layers: domain (Core, Fec) below the engine, the carriers and
/// the hosting, with the agents on top; only the agents and the hosting know Serilog and the command line, only
/// Protocol and the carriers that speak it know the wire types, and only the gRPC carrier knows gRPC. A package
/// used only to build (PrivateAssets="All", such as the protobuf compiler in Grpc.Tools) is listed as such: it
/// reaches neither the assembly nor its users.
/// </summary>
public sealed class ProjectReferenceTableTests
{
    private const string BuildOnly = " (build only)";

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Sync.Core"] = ["Microsoft.Extensions.Logging.Abstractions", "System.IO.Hashing"],
        ["Sync.Fec"] = [],
        ["Sync.Engine"] = ["Sync.Core", "Microsoft.Extensions.Logging.Abstractions"],
        ["Sync.Protocol"] = ["Sync.Core", "Google.Protobuf", "Grpc.Tools" + BuildOnly],
        ["Sync.Transport.FileDrop"] = ["Sync.Engine", "Sync.Protocol"],
        ["Sync.Transport.Grpc"] =
        [
            "Sync.Engine", "Sync.Protocol", "Microsoft.AspNetCore.App", "Grpc.AspNetCore", "Grpc.AspNetCore.HealthChecks", "Grpc.Net.Client",
            "Grpc.Tools" + BuildOnly,
        ],
        ["Sync.Transport.Udp"] = ["Sync.Fec", "Sync.Engine", "Sync.Protocol", "Microsoft.Extensions.Logging.Abstractions", "System.IO.Hashing"],
        ["Sync.Hosting"] = ["Sync.Core", "Sync.Transport.Grpc", "Microsoft.AspNetCore.App", "Microsoft.Extensions.Hosting.Systemd", "Serilog.Extensions.Hosting", "Serilog.Formatting.Compact", "Serilog.Sinks.Console", "System.CommandLine"],
        ["Sync.Outside"] = Agent,
        ["Sync.Inside"] = Agent,
    };

    private static string[] Agent =>
    [
        "Sync.Engine", "Sync.Hosting", "Sync.Transport.FileDrop", "Sync.Transport.Grpc", "Sync.Transport.Udp",
        "Microsoft.Extensions.Hosting", "Serilog.Extensions.Hosting", "Serilog.Sinks.Console", "System.CommandLine",
    ];

    [Fact]
    public void Every_project_under_src_references_exactly_what_the_table_allows()
    {
        var projects = Directory.GetFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p), References);

        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), projects.Keys.Order(StringComparer.Ordinal));
        foreach ((string project, IReadOnlyList<string> references) in projects)
        {
            var added = references.Except(Allowed[project]).ToList();
            var gone = Allowed[project].Except(references).ToList();
            Assert.True(added.Count == 0, $"{project} references {string.Join(", ", added)}, which the layering table does not allow");
            Assert.True(gone.Count == 0, $"{project} no longer references {string.Join(", ", gone)}: take it out of the layering table");
        }
    }

    [Fact]
    public void No_domain_or_engine_project_depends_upward()
    {
        // The rule the table encodes, stated once more so that a table edit that breaks it is seen for what it is.
        string[] lower = ["Sync.Core", "Sync.Fec", "Sync.Engine"];
        string[] upper = ["Sync.Protocol", "Sync.Transport.FileDrop", "Sync.Transport.Grpc", "Sync.Transport.Udp", "Sync.Hosting", "Sync.Outside", "Sync.Inside"];
        foreach (string project in lower)
        {
            Assert.Empty(Allowed[project].Intersect(upper));
            Assert.DoesNotContain(Allowed[project], r => r.StartsWith("Grpc", StringComparison.Ordinal) || r.StartsWith("Serilog", StringComparison.Ordinal) || r == "Google.Protobuf");
        }
    }

    [Fact]
    public void Only_the_grpc_carrier_and_what_composes_the_agents_depend_on_grpc()
    {
        // The file drop speaks Protocol's messages and must not carry gRPC with them (issue 12). The hosting holds
        // the gRPC serve options and loop both agents share.
        string[] grpc = ["Sync.Transport.Grpc", "Sync.Hosting", "Sync.Outside", "Sync.Inside"];
        foreach ((string project, string[] references) in Allowed.Where(p => !grpc.Contains(p.Key)))
        {
            Assert.DoesNotContain(references, r => r == "Sync.Transport.Grpc" || (r.StartsWith("Grpc", StringComparison.Ordinal) && !r.EndsWith(BuildOnly, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void The_protocol_assembly_references_no_grpc_assembly()
    {
        // What the table reads from the project file, checked once more on what the compiler made of it.
        var protocol = typeof(Sync.Protocol.FrameCodec).Assembly;
        Assert.DoesNotContain(protocol.GetReferencedAssemblies(), a => a.Name!.StartsWith("Grpc", StringComparison.Ordinal));
        Assert.Contains(protocol.GetReferencedAssemblies(), a => a.Name == "Google.Protobuf");
    }

    private static IReadOnlyList<string> References(string projectFile)
    {
        var document = XDocument.Load(projectFile);
        return document.Descendants()
            .Where(e => e.Name.LocalName is "ProjectReference" or "PackageReference" or "FrameworkReference")
            .Where(e => e.Attribute("Include")?.Value is { Length: > 0 })
            .Select(e => Name(e.Attribute("Include")!.Value) + (IsBuildOnly(e) ? BuildOnly : ""))
            .Distinct()
            .ToList();
    }

    private static string Name(string include) =>
        include.EndsWith(".csproj", StringComparison.Ordinal) ? Path.GetFileNameWithoutExtension(include.Replace('\\', '/')) : include;

    private static bool IsBuildOnly(XElement reference) =>
        string.Equals(reference.Attribute("PrivateAssets")?.Value ?? reference.Elements().FirstOrDefault(c => c.Name.LocalName == "PrivateAssets")?.Value, "All", StringComparison.OrdinalIgnoreCase);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Sync.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Sync.sln above {AppContext.BaseDirectory}");
    }
}
