using System.Globalization;
using System.Text;
using System.Text.Json;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>`status --json` of both real agents after real runs: what was published, what waits, what was refused, Valid-Until.</summary>
public sealed class StatusJsonTests
{
    /// <summary>
    /// The documented fields (docs/status.md) a published inside with Release files and a refusal fills, with their JSON
    /// types. Renaming or retyping one breaks this test, as it would break a consumer: the schema only ever grows.
    /// </summary>
    private static readonly string[] InsideGolden =
    [
        "agent: String", "damaged: Bool", "last_import_at: String", "manifest_digest: String", "mode: String",
        "pending: Array", "published_at: String", "published_generation: Number",
        "refused: Array", "refused[].base_generation: Number", "refused[].generation: Number", "refused[].kind: String", "refused[].reason: String",
        "release_files: Array", "release_files[].codename: String", "release_files[].date: String", "release_files[].path: String",
        "release_files[].suite: String", "release_files[].valid_until: String", "release_files[].validity: String",
        "schema: Number", "signed_by: Object", "signed_by.key_id: String", "signed_by.name: String", "state_directory: String", "target: String",
    ];

    private static readonly string[] OutsideGolden =
    [
        "agent: String", "awaiting_acknowledgement: Array", "base_generation: Number", "base_manifest_digest: String",
        "history: Array", "history[].at: String", "history[].base_generation: Number", "history[].carrier: String", "history[].generation: Number",
        "history[].key_id: String", "history[].manifest_digest: String", "history[].outcome: String", "history[].stream_id: String",
        "last_by_carrier: Object", "last_by_carrier.file-drop: Object", "last_by_carrier.file-drop.at: String",
        "last_by_carrier.file-drop.base_generation: Number", "last_by_carrier.file-drop.carrier: String", "last_by_carrier.file-drop.generation: Number",
        "last_by_carrier.file-drop.key_id: String", "last_by_carrier.file-drop.manifest_digest: String", "last_by_carrier.file-drop.outcome: String",
        "last_by_carrier.file-drop.stream_id: String", "last_generation: Number", "last_success_at: String", "schema: Number",
        "signing_key_id: String", "state_directory: String",
    ];

    [Fact]
    public async Task A_published_import_reports_its_generation_signer_and_the_Valid_Until_of_each_Release_file()
    {
        using var pair = await SyncPair.CreateAsync();
        var now = DateTimeOffset.UtcNow;
        WriteRelease(pair.Source, "dists/soon/Release", "soon", now.AddHours(12));
        WriteRelease(pair.Source, "dists/stale/InRelease", "stale", now.AddDays(-2), armoured: true);
        WriteRelease(pair.Source, "dists/fresh/Release", "fresh", now.AddDays(30));
        WriteRelease(pair.Source, "dists/forever/Release", "forever", null);
        TreeBuilder.Write(pair.Source, "pool/main/a.deb", TreeBuilder.RandomBytes(10_000, 1));
        await Run.Ok(pair.Export());
        var before = DateTimeOffset.UtcNow;
        await Run.Ok(pair.Import());
        var after = DateTimeOffset.UtcNow;

        using var status = await InsideStatusAsync(pair);
        var root = status.RootElement;
        Assert.Equal(1, root.GetProperty("schema").GetInt32());
        Assert.Equal(1, root.GetProperty("published_generation").GetInt64());
        var publishedAt = root.GetProperty("published_at").GetString()!;
        Assert.EndsWith("Z", publishedAt, StringComparison.Ordinal);
        var at = DateTimeOffset.Parse(publishedAt, CultureInfo.InvariantCulture);
        Assert.InRange(at, before.AddSeconds(-1), after.AddSeconds(1));
        Assert.Equal("snapshot", root.GetProperty("mode").GetString());
        Assert.Equal(pair.Target, root.GetProperty("target").GetString());
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("manifest_digest").GetString()!);
        Assert.Equal("key", root.GetProperty("signed_by").GetProperty("name").GetString());
        Assert.False(root.GetProperty("damaged").GetBoolean());
        Assert.Empty(root.GetProperty("pending").EnumerateArray());
        Assert.False(root.TryGetProperty("interrupted", out _));

        var releases = root.GetProperty("release_files").EnumerateArray()
            .ToDictionary(r => r.GetProperty("path").GetString()!, r => r);
        Assert.Equal(["dists/forever/Release", "dists/fresh/Release", "dists/soon/Release", "dists/stale/InRelease"], releases.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("expiring", releases["dists/soon/Release"].GetProperty("validity").GetString());
        Assert.Equal("expired", releases["dists/stale/InRelease"].GetProperty("validity").GetString());
        Assert.Equal("stale", releases["dists/stale/InRelease"].GetProperty("suite").GetString());
        Assert.Equal("valid", releases["dists/fresh/Release"].GetProperty("validity").GetString());
        Assert.Equal("unbounded", releases["dists/forever/Release"].GetProperty("validity").GetString());
        Assert.False(releases["dists/forever/Release"].TryGetProperty("valid_until", out _));
        Assert.Equal(
            Rfc2822(now.AddDays(30)),
            Rfc2822(DateTimeOffset.Parse(releases["dists/fresh/Release"].GetProperty("valid_until").GetString()!, CultureInfo.InvariantCulture)));

        var text = (await Run.Ok(pair.Status())).Stdout;
        Assert.Contains("dists/stale/InRelease (stale): EXPIRED", text);
        Assert.Contains("dists/soon/Release (soon): expires within a day", text);
        Assert.Contains("valid until: no limit dists/forever/Release (forever)", text);
    }

    [Fact]
    public async Task The_inside_schema_keeps_its_field_names_and_types()
    {
        using var pair = await SyncPair.CreateAsync();
        WriteRelease(pair.Source, "dists/stable/InRelease", "stable", DateTimeOffset.UtcNow.AddDays(7), armoured: true);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        await ReplayGenerationOneAsync(pair);
        Assert.Equal(3, (await pair.Import()).ExitCode);
        using var status = await InsideStatusAsync(pair);
        Assert.Equal(InsideGolden.Order(StringComparer.Ordinal), Shape(status.RootElement));
    }

    [Fact]
    public async Task A_delta_whose_base_is_missing_is_pending_with_kind_missing_base()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a", [1, 2, 3]);
        await Run.Ok(pair.Export());
        foreach (var file in Directory.GetFiles(pair.Drop))
        {
            File.Delete(file); // generation 1 never reaches the inside
        }

        TreeBuilder.Write(pair.Source, "b", [4, 5, 6]);
        await Run.Ok(pair.Export());
        Assert.Equal(4, (await pair.Import()).ExitCode);

        using var status = await InsideStatusAsync(pair);
        var root = status.RootElement;
        Assert.Equal(0, root.GetProperty("published_generation").GetInt64());
        Assert.False(root.TryGetProperty("published_at", out _));
        var pending = Assert.Single(root.GetProperty("pending").EnumerateArray());
        Assert.Equal("missing_base", pending.GetProperty("kind").GetString());
        Assert.Equal(2, pending.GetProperty("generation").GetInt64());
        Assert.Equal(1, pending.GetProperty("base_generation").GetInt64());
        Assert.Contains("generation 1", pending.GetProperty("reason").GetString());
        Assert.Empty(root.GetProperty("refused").EnumerateArray());
        Assert.False(root.TryGetProperty("release_files", out _));
    }

    [Fact]
    public async Task A_refused_bundle_is_listed_with_its_kind_and_reason()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a", [1, 2, 3]);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        await ReplayGenerationOneAsync(pair);
        var import = await pair.Import();
        Assert.Equal(3, import.ExitCode);

        using var status = await InsideStatusAsync(pair);
        var refused = Assert.Single(status.RootElement.GetProperty("refused").EnumerateArray());
        Assert.Equal("replayed", refused.GetProperty("kind").GetString());
        Assert.Equal(1, refused.GetProperty("generation").GetInt64());
        Assert.Contains("already published", refused.GetProperty("reason").GetString());
        Assert.Contains("[replayed]", (await Run.Ok(pair.Status())).Stdout);

        // A bundle signed by a key this inside does not trust.
        using var stranger = await SyncPair.CreateAsync();
        TreeBuilder.Write(stranger.Source, "x", [1]);
        await Run.Ok(stranger.Export());
        await Run.Ok(stranger.Export("--full"));
        ClearDrop(pair);
        foreach (var file in Directory.GetFiles(stranger.Drop, "sync-g00000002-*"))
        {
            File.Copy(file, Path.Combine(pair.Drop, Path.GetFileName(file)));
        }

        Assert.Equal(3, (await pair.Import()).ExitCode);
        using var after = await InsideStatusAsync(pair);
        var untrusted = Assert.Single(after.RootElement.GetProperty("refused").EnumerateArray());
        Assert.Equal("untrusted_key", untrusted.GetProperty("kind").GetString());
        Assert.Contains("not trusted here", untrusted.GetProperty("reason").GetString());
    }

    /// <summary>Offers generation 1 again under another stream (exported from a fresh state with the same key): a replay.</summary>
    private static async Task ReplayGenerationOneAsync(SyncPair pair)
    {
        ClearDrop(pair);
        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.MakeDir("replay-state"), "--key", pair.Key, "--drop", pair.Drop, "--quiet"));
    }

    private static void ClearDrop(SyncPair pair)
    {
        foreach (var file in Directory.GetFiles(pair.Drop))
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_outside_reports_what_it_exported_when_and_with_which_key()
    {
        using var pair = await SyncPair.CreateAsync();
        var empty = await Run.Ok(Run.Outside("status", "--state", pair.MakeDir("empty-state"), "--json"));
        using (var none = JsonDocument.Parse(empty.Stdout))
        {
            Assert.Equal(0, none.RootElement.GetProperty("base_generation").GetInt64());
            Assert.False(none.RootElement.TryGetProperty("last_success_at", out _));
        }

        TreeBuilder.Write(pair.Source, "a", [1, 2, 3]);
        await Run.Ok(pair.Export());
        TreeBuilder.Write(pair.Source, "b", [4]);
        var before = DateTimeOffset.UtcNow;
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        var result = await Run.Ok(Run.Outside("status", "--state", pair.OutsideState, "--json"));
        using var status = JsonDocument.Parse(result.Stdout);
        var root = status.RootElement;
        Assert.Equal(OutsideGolden.Order(StringComparer.Ordinal), Shape(root));
        Assert.Equal(2, root.GetProperty("base_generation").GetInt64());
        Assert.Equal(2, root.GetProperty("last_generation").GetInt64());
        Assert.True(DateTimeOffset.Parse(root.GetProperty("last_success_at").GetString()!, CultureInfo.InvariantCulture) >= before.AddSeconds(-1));
        var last = root.GetProperty("last_by_carrier").GetProperty("file-drop");
        Assert.Equal(2, last.GetProperty("generation").GetInt64());
        Assert.Equal(1, last.GetProperty("base_generation").GetInt64());
        Assert.Equal("delivered", last.GetProperty("outcome").GetString());

        using var inside = await InsideStatusAsync(pair);
        Assert.Equal(inside.RootElement.GetProperty("signed_by").GetProperty("key_id").GetString(), root.GetProperty("signing_key_id").GetString());
        Assert.Contains("last file-drop: generation 2 (delta from 1) delivered", (await Run.Ok(Run.Outside("status", "--state", pair.OutsideState))).Stdout);
    }

    private static async Task<JsonDocument> InsideStatusAsync(SyncPair pair)
    {
        var result = await Run.Ok(Run.Inside("status", "--state", pair.InsideState, "--json"));
        return JsonDocument.Parse(result.Stdout);
    }

    /// <summary>Every property path with its JSON type, array items as "[]" (their union), sorted.</summary>
    private static string[] Shape(JsonElement root)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(root, string.Empty, paths);
        return [.. paths];
    }

    private static void Walk(JsonElement element, string path, SortedSet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var child = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    paths.Add($"{child}: {Kind(property.Value)}");
                    Walk(property.Value, child, paths);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, path + "[]", paths);
                }

                break;
        }
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "Bool",
        JsonValueKind.Array => "Array",
        JsonValueKind.Object => "Object",
        JsonValueKind.Number => "Number",
        JsonValueKind.String => "String",
        _ => e.ValueKind.ToString(),
    };

    private static string Rfc2822(DateTimeOffset t) => t.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static void WriteRelease(string root, string path, string suite, DateTimeOffset? validUntil, bool armoured = false)
    {
        var text = new StringBuilder();
        if (armoured)
        {
            text.Append("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n");
        }

        text.Append($"Origin: test\nLabel: test\nSuite: {suite}\nCodename: {suite}-code\nDate: {Rfc2822(DateTimeOffset.UtcNow)}\n");
        if (validUntil is { } until)
        {
            text.Append($"Valid-Until: {Rfc2822(until)}\n");
        }

        text.Append("Architectures: amd64\nComponents: main\nSHA256:\n 0123456789abcdef 12 main/binary-amd64/Packages\n");
        if (armoured)
        {
            text.Append("-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCgAdFiEE\n-----END PGP SIGNATURE-----\n");
        }

        TreeBuilder.Write(root, path, Encoding.UTF8.GetBytes(text.ToString()));
    }
}
