namespace Sync.Integration.Tests.Infrastructure;

/// <summary>Finds the repository and the agents built alongside this test assembly (same configuration).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string AgentDll(string agent)
    {
        var project = agent == "sync-outside" ? "Sync.Outside" : "Sync.Inside";
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", agent + ".dll");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is not built; build the solution first");
        }

        return path;
    }

    public static string Script(string name) => Path.Combine(Root, "scripts", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sync.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sync.sln not found above " + AppContext.BaseDirectory);
    }
}
