using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;
using Sync.Testing.Requirements;

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
        var key = dir.Combine("outside.key");
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

    [Fact]
    public async Task A_key_is_rotated_without_a_flag_day()
    {
        using var pair = await SyncPair.CreateAsync();
        var current = pair.Key;
        var next = pair.Dir("next.key");
        await Run.Ok(Run.Outside("keygen", "--key", next));
        string[] both = ["--trust", $"current={current}.pub", "--trust", $"next={next}.pub"];
        string[] onlyNext = ["--trust", $"next={next}.pub"];
        Task<ProcessResult> Export(string key) =>
            Run.Outside("export", "--source", pair.Source, "--state", pair.OutsideState, "--key", key, "--drop", pair.Drop, "--quiet");
        Task<ProcessResult> Import(string[] trust) =>
            Run.Inside(["import", "--drop", pair.Drop, "--target", pair.Target, "--state", pair.InsideState, "--quiet", .. trust]);

        // The outside signs with the current key; the inside already trusts the next one too.
        TreeBuilder.Write(pair.Source, "g1.txt", [1]);
        await Run.Ok(Export(current));
        await Run.Ok(Import(both));
        Assert.Contains("signed by: key 'current'", (await Run.Ok(pair.Status())).Stdout);

        // The outside switches to the next key; the inside keeps applying deltas, nothing else changes.
        TreeBuilder.Write(pair.Source, "g2.txt", [2]);
        await Run.Ok(Export(next));
        var import = await Run.Ok(Import(both));
        Assert.Contains("generation 2 published (was 1), signed by key 'next'", import.Stdout);
        Assert.Contains("signed by: key 'next'", (await Run.Ok(pair.Status())).Stdout);
        TreeAssert.Equal(pair.Source, pair.Target);

        // The inside retires the current key.
        TreeBuilder.Write(pair.Source, "g3.txt", [3]);
        await Run.Ok(Export(next));
        await Run.Ok(Import(onlyNext));
        TreeAssert.Equal(pair.Source, pair.Target);
        var published = TreeAssert.Describe(pair.Target);

        // A bundle signed by the retired key is now refused, in one line, and changes nothing.
        TreeBuilder.Write(pair.Source, "g4.txt", [4]);
        await Run.Ok(Export(current));
        var refused = await Import(onlyNext);
        Assert.Equal(3, refused.ExitCode);
        var line = Assert.Single(ErrorLines(refused));
        Assert.Contains("which is not trusted here (trusted: 'next'", line);
        Assert.Equal(published, TreeAssert.Describe(pair.Target));
        Assert.Contains("signed by: key 'next'", (await Run.Ok(pair.Status())).Stdout);
    }

    [ToolFact("openssl", "head", "tail", "base64", "sha256sum", "cut", "bash")]
    public async Task The_documented_openssl_commands_verify_a_real_bundle_index()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a/file.bin", TreeBuilder.RandomBytes(300_000, 3));
        TreeBuilder.Write(pair.Source, "b.txt", "text\n"u8.ToArray());
        await Run.Ok(pair.Export("--volume-size", "64K"));
        var index = Assert.Single(Directory.GetFiles(pair.Drop, "*.index"));

        // The block in docs/bundle-format.md, as an operator would paste it, with its two names set to this bundle.
        var doc = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "docs", "bundle-format.md"));
        var start = doc.IndexOf("```bash\n", doc.IndexOf("### Checking an index by hand", StringComparison.Ordinal), StringComparison.Ordinal) + 8;
        var lines = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)].TrimEnd('\n').Split('\n');
        Assert.StartsWith("index=", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("key=", lines[1], StringComparison.Ordinal);
        var script = string.Join('\n', ["index=\"$1\"", "key=\"$2\"", .. lines[2..]]);
        var scratch = pair.MakeDir("scratch");
        Task<ProcessResult> Check() =>
            Run.Process("bash", ["-c", $"cd \"{scratch}\" && set -e -o pipefail\n{script}", "check", index, pair.Key + ".pub"]);

        var ok = await Run.Ok(Check());
        var output = ok.Stdout.Split('\n');
        Assert.Equal("Verified OK", output[2]);
        Assert.StartsWith($"SYNCIDX2 key-id={output[1].Trim()} payload-bytes=", output[0], StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{16}$", output[1].Trim());

        // One byte of the payload altered: openssl says so.
        var bytes = await File.ReadAllBytesAsync(index);
        bytes[output[0].Length + 20] ^= 1;
        await File.WriteAllBytesAsync(index, bytes);
        var altered = await Check();
        Assert.NotEqual(0, altered.ExitCode);
        Assert.Contains("Verification failure", altered.Stdout);
    }
}
