using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Paths;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Manifests;

/// <summary>
/// The link resolver against the kernel: each tree is built for real in a temporary directory, and every link is
/// resolved both by <see cref="LinkResolver"/> through the tree's entries and by openat2(RESOLVE_BENEATH).
/// </summary>
public sealed class LinkResolverTests
{
    // The chain from the trust-boundary review: each target stays inside when read alone, the chain does not.
    private static readonly string[] IssueChain = ["d/", "d/x -> ..", "d/y -> x/../..", "d/e -> y/victim"];

    [Fact]
    public void The_chain_that_passes_a_lexical_check_escapes_and_is_named()
    {
        using var tree = LinkTree.Build(IssueChain);
        Assert.Null(RelativePath.FindLinkTargetProblem("d/y", "x/../..")); // what the old check saw
        Assert.Null(RelativePath.FindLinkTargetProblem("d/e", "y/victim"));

        var x = tree.AssertAgreesWithKernel("d/x");
        Assert.Equal((LinkOutcome.Inside, ""), (x.Outcome, x.Path));
        var y = tree.AssertAgreesWithKernel("d/y");
        Assert.Equal(LinkOutcome.Escapes, y.Outcome);
        Assert.Equal("resolves outside the tree", y.Problem("d/y"));
        var e = tree.AssertAgreesWithKernel("d/e");
        Assert.Equal(LinkOutcome.Escapes, e.Outcome);
        Assert.Equal("resolves outside the tree through 'd/y' -> 'x/../..'", e.Problem("d/e"));
    }

    [Theory]
    [InlineData(LinkOutcome.Escapes, "l -> /etc")]
    [InlineData(LinkOutcome.Escapes, "l -> /")]
    [InlineData(LinkOutcome.Escapes, "l -> a", "a -> b", "b -> /etc/passwd")]
    [InlineData(LinkOutcome.Escapes, "l -> ..")]
    [InlineData(LinkOutcome.Escapes, "d/", "d/l -> ../..")]
    [InlineData(LinkOutcome.Escapes, "d/", "d/up -> ..", "l -> d/up/d/up/..")]
    [InlineData(LinkOutcome.Inside, "l -> .")]
    [InlineData(LinkOutcome.Inside, "d/", "d/l -> ../d/../d")]
    [InlineData(LinkOutcome.Inside, "d/", "d/up -> ..", "l -> d/up/d/up/d")]
    [InlineData(LinkOutcome.Dangling, "l -> missing")]
    [InlineData(LinkOutcome.Dangling, "f", "l -> f/x")]
    [InlineData(LinkOutcome.Dangling, "f", "l -> f/..")]
    [InlineData(LinkOutcome.Dangling, "f", "l -> f/")]
    [InlineData(LinkOutcome.Loop, "l -> l")]
    [InlineData(LinkOutcome.Loop, "l -> m", "m -> l")]
    [InlineData(LinkOutcome.Loop, "l -> l/x")]
    [InlineData(LinkOutcome.Loop, "d/", "d/l -> ../d/l")]
    public void Resolves_as_the_kernel_does(LinkOutcome expected, params string[] spec)
    {
        using var tree = LinkTree.Build(spec);
        Assert.Equal(expected, tree.AssertAgreesWithKernel(spec.Last().Split(" -> ")[0]).Outcome);
    }

    [Fact]
    public void A_dangling_link_whose_rest_would_leave_the_tree_is_refused_although_the_kernel_stops_early()
    {
        using var tree = LinkTree.Build("l -> missing/../..");
        var found = tree.AssertAgreesWithKernel("l");
        Assert.Equal(LinkOutcome.Escapes, found.Outcome);
        Assert.Equal("missing", found.DanglingAt);
        Assert.True(found.IsRefused);
    }

    [Theory]
    [InlineData(LinkResolver.MaxLinks, LinkOutcome.Inside)]
    [InlineData(LinkResolver.MaxLinks + 1, LinkOutcome.Loop)]
    public void Follows_as_many_links_as_the_kernel_and_no_more(int links, LinkOutcome expected)
    {
        // l1 -> l2 -> ... -> lN -> f: resolving l1 follows N links.
        var spec = new List<string> { "f" };
        for (var i = 1; i <= links; i++)
        {
            spec.Add($"l{i} -> {(i == links ? "f" : $"l{i + 1}")}");
        }

        using var tree = LinkTree.Build([.. spec]);
        var found = tree.AssertAgreesWithKernel("l1");
        Assert.Equal(expected, found.Outcome);
        Assert.True(expected != LinkOutcome.Inside || found.Path == "f");
    }

    [Fact]
    public void A_long_loop_is_refused()
    {
        var spec = Enumerable.Range(0, 100).Select(i => $"l{i:D3} -> l{(i + 1) % 100:D3}").ToArray();
        using var tree = LinkTree.Build(spec);
        var found = tree.AssertAgreesWithKernel("l000");
        Assert.Equal(LinkOutcome.Loop, found.Outcome);
        Assert.Contains("loop", found.Problem("l000"));
    }

    [Fact]
    public void A_deep_chain_through_directories_resolves_to_its_end()
    {
        // Each level's link climbs one directory and goes down into the next: 30 links, 10 directories deep.
        var spec = new List<string>();
        var path = "";
        for (var i = 0; i < 10; i++)
        {
            path = path.Length == 0 ? "d0" : $"{path}/d{i}";
            spec.Add(path + "/");
        }

        spec.Add(path + "/end");
        for (var i = 0; i < 30; i++)
        {
            spec.Add($"s{i:D2} -> {(i == 29 ? path + "/end" : $"d0/../s{i + 1:D2}")}");
        }

        using var tree = LinkTree.Build([.. spec]);
        var found = tree.AssertAgreesWithKernel("s00");
        Assert.Equal((LinkOutcome.Inside, path + "/end"), (found.Outcome, found.Path));
    }

    [Fact]
    public void Gives_up_on_absurdly_long_walks_per_link_and_per_tree()
    {
        var manifest = new Manifest(1, DateTimeOffset.UnixEpoch, [ManifestEntry.Directory("d", 0x1ED, 0)]);
        var resolver = LinkResolver.For(manifest);
        var walk = string.Join('/', Enumerable.Repeat("d/..", LinkResolver.MaxSteps));
        Assert.Equal(LinkOutcome.TooComplex, resolver.Resolve("l", walk).Outcome);

        var small = new LinkResolver(manifest.Find, stepBudget: 8);
        Assert.Equal(LinkOutcome.Inside, small.Resolve("l", "d/../d/../d").Outcome); // 5 steps
        Assert.Equal(LinkOutcome.TooComplex, small.Resolve("l", "d/../d/../d").Outcome); // 5 more exceed the budget of 8
    }

    [Fact]
    public void Agrees_with_the_kernel_on_random_trees_of_links()
    {
        var seen = new Dictionary<LinkOutcome, int>();
        var compared = 0;
        for (var seed = 0; seed < 400; seed++)
        {
            var random = new Random(seed);
            var spec = RandomTree(random);
            using var tree = LinkTree.Build([.. spec]);
            foreach (var link in spec.Where(s => s.Contains(" -> ")).Select(s => s.Split(" -> ")[0]))
            {
                var found = tree.AssertAgreesWithKernel(link, $"seed {seed}");
                var key = found.DanglingAt is null ? found.Outcome : LinkOutcome.Dangling;
                seen[key] = seen.GetValueOrDefault(key) + 1;
                compared++;
            }
        }

        // The generator must reach every outcome the kernel can give, or this test proves little.
        foreach (var outcome in new[] { LinkOutcome.Inside, LinkOutcome.Dangling, LinkOutcome.Escapes, LinkOutcome.Loop })
        {
            Assert.True(seen.GetValueOrDefault(outcome) >= 20, $"{outcome}: {seen.GetValueOrDefault(outcome)} of {compared}");
        }
    }

    private static readonly string[] Names = ["a", "b", "c", "d"];
    private static readonly string[] TargetParts = ["..", "..", ".", "", "a", "b", "c", "d", "a", "b", "zz"];

    private static List<string> RandomTree(Random random)
    {
        var spec = new List<string>();
        Fill("", 0);
        return spec;

        void Fill(string prefix, int depth)
        {
            foreach (var name in Names)
            {
                var path = prefix + name;
                switch (random.Next(20))
                {
                    case < 5:
                        break;
                    case < 10 when depth < 3:
                        spec.Add(path + "/");
                        Fill(path + "/", depth + 1);
                        break;
                    case < 12:
                        spec.Add(path);
                        break;
                    default:
                        spec.Add($"{path} -> {RandomTarget(random)}");
                        break;
                }
            }
        }
    }

    private static string RandomTarget(Random random)
    {
        var parts = Enumerable.Range(0, random.Next(1, 6)).Select(_ => TargetParts[random.Next(TargetParts.Length)]).ToList();
        var target = string.Join('/', parts);
        if (target.Trim('/').Length == 0)
        {
            target = "a" + target;
        }

        return random.Next(25) == 0 ? "/" + target : target;
    }

    /// <summary>A tree from a compact spec ("dir/", "file", "link -> target"), on disk and as manifest entries.</summary>
    private sealed class LinkTree : IDisposable
    {
        private readonly TempDirectory _dir = new();
        private readonly Manifest _manifest;

        private LinkTree(string[] spec)
        {
            // The tree sits one level down, so an escape the kernel resolves still lands in our own directory.
            Root = _dir.CreateSubdirectory("root");
            var entries = new List<ManifestEntry>();
            foreach (var item in spec)
            {
                if (item.Contains(" -> "))
                {
                    var (path, target) = (item.Split(" -> ")[0], item.Split(" -> ", 2)[1]);
                    File.CreateSymbolicLink(Path.Combine(Root, path), target);
                    Assert.Equal(target, new FileInfo(Path.Combine(Root, path)).LinkTarget);
                    entries.Add(ManifestEntry.Symlink(path, target, 0));
                }
                else if (item.EndsWith('/'))
                {
                    Directory.CreateDirectory(Path.Combine(Root, item));
                    entries.Add(ManifestEntry.Directory(item.TrimEnd('/'), 0x1ED, 0));
                }
                else
                {
                    File.WriteAllBytes(Path.Combine(Root, item), []);
                    entries.Add(new ManifestEntry(item, EntryKind.File, 0x1A4, 0, 0, Digest.Empty, [], null));
                }
            }

            _manifest = new Manifest(1, DateTimeOffset.UnixEpoch, entries);
        }

        public string Root { get; }

        public static LinkTree Build(params string[] spec) => new(spec);

        /// <summary>Resolves through the entries, checks the kernel agrees, and returns what the resolver found.</summary>
        public LinkResolution AssertAgreesWithKernel(string link, string context = "")
        {
            var found = LinkResolver.For(_manifest).Resolve(link, _manifest.Find(link)!.LinkTarget!);
            var (kernel, reached) = KernelLinkOracle.Resolve(Root, link);
            var what = $"{context} {link} -> {_manifest.Find(link)!.LinkTarget}: resolver {found}, kernel {kernel} '{reached}'";
            if (kernel == LinkOutcome.Dangling)
            {
                // The kernel stops at the first missing name; the resolver says where, and may find more beyond it.
                Assert.True(found.DanglingAt is not null, what);
            }
            else
            {
                Assert.True(found.DanglingAt is null && found.Outcome == kernel, what);
                Assert.True(kernel != LinkOutcome.Inside || found.Path == reached, what);
            }

            return found;
        }

        public void Dispose() => _dir.Dispose();
    }
}
