using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Tests.Manifests;

/// <summary>
/// <see cref="Manifest.FindContent"/> answers as a table of digest to first file did: the first file in path order
/// for every content, null for any other digest, including digests that share their first 8 bytes with a file's.
/// </summary>
public sealed class ContentIndexTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Finds_the_first_file_of_each_content_and_nothing_else(int seed)
    {
        var random = new Random(seed);
        // 40 contents over 600 entries: most files share a content with others, and every tenth content's digest
        // shares its first word with another's, so the lookup must compare whole digests.
        var contents = Enumerable.Range(0, 40).Select(i => Crafted(random, prefix: (ulong)(i / 10 * 10 == i ? i + 1 : i))).ToArray();
        var entries = new List<ManifestEntry>();
        for (var i = 0; i < 600; i++)
        {
            var path = $"pool/{i:D4}";
            entries.Add(random.Next(5) == 0
                ? ManifestEntry.Directory(path, 0x1ED, 0)
                : new ManifestEntry(path, EntryKind.File, 0x1A4, i, 10, contents[random.Next(contents.Length)], [], null));
        }

        var manifest = new Manifest(1, DateTimeOffset.UnixEpoch, entries);
        var first = new Dictionary<Digest, ManifestEntry>();
        foreach (var file in entries.Where(e => e.IsFile))
        {
            first.TryAdd(file.Digest, file);
        }

        foreach (var content in contents)
        {
            Assert.Same(first.GetValueOrDefault(content), manifest.FindContent(content));
        }

        for (var i = 0; i < 100; i++)
        {
            var stranger = Crafted(random, prefix: (ulong)random.Next(45));
            Assert.Equal(first.GetValueOrDefault(stranger), manifest.FindContent(stranger));
        }

        Assert.Null(Manifest.Empty.FindContent(contents[0]));
    }

    private static Digest Crafted(Random random, ulong prefix)
    {
        var bytes = new byte[Digest.Size];
        random.NextBytes(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, prefix);
        return Digest.FromBytes(bytes);
    }
}
