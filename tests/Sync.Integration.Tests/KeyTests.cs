using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>Keys with the real agents: keygen's files whatever the umask, what --trust refuses, and a rotation walked end to end.</summary>
public sealed class KeyTests
{
    private static Task<ProcessResult> KeygenUnder(string umask, string path, params string[] extra) =>
        Run.Process("bash", ["-c", $"umask {umask} && exec dotnet \"$0\" keygen --key \"$1\" \"${{@:2}}\"", RepoPaths.AgentDll("sync-outside"), path, .. extra]);

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private static string[] ErrorLines(ProcessResult run) =>
        run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData("077")]
    [InlineData("000")]
    [InlineData("022")]
    public async Task Keygen_writes_the_private_key_0600_and_the_public_key_0644_whatever_the_umask(string umask)
    {
        using var dir = new TempDirectory();
        var key = dir["outside.key"];
        var made = await Run.Ok(KeygenUnder(umask, key));
        Assert.Equal("600", Mode(key));
        Assert.Equal("644", Mode(key + ".pub"));
        Assert.Contains("key id", made.Stdout);

        var again = await KeygenUnder(umask, key);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--force", Assert.Single(ErrorLines(again)));

        var before = await File.ReadAllTextAsync(key + ".pub");
        await Run.Ok(KeygenUnder(umask, key, "--force"));
        Assert.NotEqual(before, await File.ReadAllTextAsync(key + ".pub"));
        Assert.Equal("600", Mode(key));
        Assert.Equal("644", Mode(key + ".pub"));
    }

    [Fact]
    public async Task A_private_key_given_as_trust_is_refused_with_one_line_and_nothing_is_published()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a.txt", [1]);
        await Run.Ok(pair.Export());
        var import = await Run.Inside("import", "--drop", pair.Drop, "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key, "--quiet");
        Assert.Equal(2, import.ExitCode);
        var line = Assert.Single(ErrorLines(import));
        Assert.Contains("is a private key", line);
        Assert.DoesNotContain("PRIVATE KEY-----", import.Stdout + import.Stderr);
        Assert.False(Directory.Exists(pair.Target) || File.Exists(pair.Target));
    }
}
