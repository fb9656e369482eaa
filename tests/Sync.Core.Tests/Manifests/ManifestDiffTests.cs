using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Paths;

namespace Sync.Core.Tests.Manifests;

/// <summary>
/// The merge-walk diff and the bisecting lookup against the dictionaries they replace, over random trees and random
/// days: same pairs, same counts, same entries found; and a list out of order is refused, never merged wrongly.
/// </summary>
public sealed class ManifestDiffTests
{
    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 40));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_merge_walk_pairs_and_counts_what_the_dictionary_diff_does(int seed)
    {
        var random = new Random(seed);
        var before = RandomTree(random, random.Next(0, 300));
        var after = RandomDay(random, before);

        var pairs = ManifestDiff.Pairs(before.Entries, after.Entries).ToList();

        var byPathBefore = before.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var byPathAfter = after.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var allPaths = byPathBefore.Keys.Union(byPathAfter.Keys).Order(Comparer<string>.Create(RelativePath.Compare)).ToList();
        Assert.Equal(allPaths, pairs.Select(p => (p.Before ?? p.After)!.Path));
        foreach (var (old, now) in pairs)
        {
            var path = (old ?? now)!.Path;
            Assert.Same(byPathBefore.GetValueOrDefault(path), old);
            Assert.Same(byPathAfter.GetValueOrDefault(path), now);
        }

        Assert.Equal(DictionaryCount(before, after), ManifestDiff.CountFiles(before, after));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Find_by_bisection_finds_what_a_dictionary_finds(int seed)
    {
        var random = new Random(seed);
        var tree = RandomTree(random, random.Next(0, 300));
        var other = RandomDay(random, tree);
        var index = tree.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);

        foreach (var path in tree.Entries.Concat(other.Entries).Select(e => e.Path).Append("zz-absent").Append("0"))
        {
            Assert.Same(index.GetValueOrDefault(path), tree.Find(path));
            var at = tree.IndexOf(path);
            Assert.Equal(index.ContainsKey(path), at >= 0);
            Assert.True(at < 0 || ReferenceEquals(tree.Entries[at], index[path]));
        }
    }

    [Fact]
    public void Find_still_answers_on_a_list_built_out_of_order()
    {
        var entries = new[] { ManifestEntry.Directory("b", 0x1ED, 0), ManifestEntry.Directory("a", 0x1ED, 0) };
        var manifest = new Manifest(1, DateTimeOffset.UnixEpoch, entries);

        Assert.Same(entries[1], manifest.Find("a"));
        Assert.Same(entries[0], manifest.Find("b"));
        Assert.Null(manifest.Find("c"));
        Assert.Equal([1, 0, -1], new[] { "a", "b", "c" }.Select(manifest.IndexOf));
    }

    [Fact]
    public void A_list_out_of_order_is_refused_by_the_merge_walk()
    {
        var sorted = new[] { ManifestEntry.Directory("a", 0x1ED, 0), ManifestEntry.Directory("b", 0x1ED, 0) };
        var unsorted = new[] { ManifestEntry.Directory("b", 0x1ED, 0), ManifestEntry.Directory("a", 0x1ED, 0) };

        var e = Assert.Throws<InvalidOperationException>(() => ManifestDiff.Pairs(sorted, unsorted).ToList());
        Assert.Contains("out of order at 'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_are_ordered_as_the_manifest_orders_them_not_as_strings_sort()
    {
        // Manifests are in UTF-8 byte order: beyond the BMP it differs from string.CompareOrdinal's UTF-16 order
        // (U+E000 sorts before U+1F600 in UTF-8, after its surrogates in UTF-16), and the walk must use the former.
        var random = new Random(7);
        var before = Tree(["a", "a/b", "a-b", "\uE000", "\U0001F600"], random);
        var after = Tree(["a", "a/c", "a-b", "\U0001F600"], random);

        var paths = ManifestDiff.Pairs(before.Entries, after.Entries).Select(p => (p.Before ?? p.After)!.Path).ToList();

        Assert.Equal(["a", "a-b", "a/b", "a/c", "\uE000", "\U0001F600"], paths);
    }

    private static (int, int, int) DictionaryCount(Manifest before, Manifest after)
    {
        var old = before.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var now = after.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var added = after.Entries.Count(f => f.IsFile && old.GetValueOrDefault(f.Path) is not { Kind: EntryKind.File });
        var removed = before.Entries.Count(f => f.IsFile && now.GetValueOrDefault(f.Path) is not { Kind: EntryKind.File });
        var changed = after.Entries.Count(f => f.IsFile && old.GetValueOrDefault(f.Path) is { Kind: EntryKind.File } o &&
            (o.Digest != f.Digest || o.Mode != f.Mode || o.MtimeNs != f.MtimeNs));
        return (added, changed, removed);
    }

    private static Manifest RandomTree(Random random, int count)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        while (paths.Count < count)
        {
            paths.Add(RandomPath(random));
        }

        return Tree(paths, random);
    }

    /// <summary>A day: some entries removed, some changed (content, mode, mtime or kind), some added.</summary>
    private static Manifest RandomDay(Random random, Manifest before)
    {
        var entries = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var entry in before.Entries)
        {
            switch (random.Next(10))
            {
                case 0:
                    break; // removed
                case 1:
                    entries[entry.Path] = RandomEntry(entry.Path, random);
                    break;
                case 2:
                    entries[entry.Path] = entry with { Mode = entry.Mode ^ 0x40 };
                    break;
                case 3:
                    entries[entry.Path] = entry with { MtimeNs = entry.MtimeNs + 1 };
                    break;
                default:
                    entries[entry.Path] = entry;
                    break;
            }
        }

        for (var added = random.Next(0, 60); added > 0; added--)
        {
            var path = RandomPath(random);
            entries.TryAdd(path, RandomEntry(path, random));
        }

        return new Manifest(before.Generation + 1, DateTimeOffset.UnixEpoch, entries.Values.OrderBy(e => e.Path, Comparer<string>.Create(RelativePath.Compare)).ToList());
    }

    private static Manifest Tree(IEnumerable<string> paths, Random random) =>
        new(1, DateTimeOffset.UnixEpoch, paths.Order(Comparer<string>.Create(RelativePath.Compare)).Select(p => RandomEntry(p, random)).ToList());

    private static string RandomPath(Random random)
    {
        string[] names = ["a", "b", "a-b", "pool", "main", "x.deb", "\u00e9", "\uE000", "\U0001F600"];
        var depth = random.Next(1, 4);
        return string.Join('/', Enumerable.Range(0, depth).Select(_ => names[random.Next(names.Length)]));
    }

    private static ManifestEntry RandomEntry(string path, Random random)
    {
        var mtime = random.Next(3);
        return random.Next(3) switch
        {
            0 => ManifestEntry.Directory(path, 0x1ED, mtime),
            1 => ManifestEntry.Symlink(path, "target", mtime),
            _ => new ManifestEntry(path, EntryKind.File, 0x1A4, mtime, 1, Digest.Compute([(byte)random.Next(3)]), [], null),
        };
    }
}
