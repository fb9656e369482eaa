using System.Security.Cryptography;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Transport.FileDrop;

namespace Sync.Attacks;

/// <summary>
/// Bundles a compromised outside signs with the trusted key: well-formed everywhere except where the attack is, so
/// what the inside refuses is the attack itself and not some incidental flaw.
/// <list type="bullet">
/// <item>escape-chain: a full generation with `d/x -> ..`, `d/y -> x/../..` and `d/e -> y/victim`; each target stays in
/// the tree read alone, and followed through the tree d/y and d/e leave it (issue 9, item 2).</item>
/// <item>patch-ops: a delta from the outside's last generation whose one changed file is rebuilt by a single 16 MiB
/// patch frame of four million one-byte copies (issue 9, item 9): limits must come before allocation.</item>
/// </list>
/// </summary>
internal static class BundleForger
{
    /// <summary>Four bytes each (`0A 02 10 01`: copy 1 byte at offset 0), so a frame of them stays under 16 MiB.</summary>
    public const int PatchOps = 4_000_000;

    public static async Task<int> RunAsync(Arguments options)
    {
        var attack = options.Required("--attack");
        var drop = options.Required("--drop");
        var generation = options.Number("--generation", 0);
        if (generation <= 0)
        {
            throw new UsageException("--generation N (above what the inside published) is required");
        }

        using var key = SigningKey.Load(options.Required("--key"));
        await using var writer = BundleWriter.Create(drop, key, 64L << 20);
        switch (attack)
        {
            case "escape-chain":
                await WriteFullAsync(writer, key, EscapingChain(generation));
                break;
            case "patch-ops":
                await WritePatchOpsAsync(writer, key, await File.ReadAllBytesAsync(options.Required("--base-manifest")), generation);
                break;
            default:
                throw new UsageException("--attack takes escape-chain or patch-ops");
        }

        var bundle = await writer.CompleteAsync(CancellationToken.None);
        Console.WriteLine($"forged {attack}: generation {generation}, signed by key {KeyId.ToHex(key.KeyId)}: {bundle.IndexName}");
        return 0;
    }

    private static Manifest EscapingChain(long generation) => new(generation, DateTimeOffset.UtcNow,
    [
        ManifestEntry.Directory("d", 0x1ED, 0),
        ManifestEntry.Symlink("d/e", "y/victim", 0),
        ManifestEntry.Symlink("d/x", "..", 0),
        ManifestEntry.Symlink("d/y", "x/../..", 0),
    ]);

    private static async Task WriteFullAsync(BundleWriter writer, SigningKey key, Manifest manifest)
    {
        var bytes = ProtobufWireCodec.Instance.SerializeManifest(manifest);
        var frames = await WriteHeaderAndManifestAsync(writer, key, bytes, manifest.Generation, baseGeneration: 0, Digest.Empty, contents: 0, payloadBytes: 0);
        await writer.WriteAsync(new EndFrame(0, frames + 1), CancellationToken.None);
    }

    private static async Task WritePatchOpsAsync(BundleWriter writer, SigningKey key, byte[] baseBytes, long generation)
    {
        var codec = ProtobufWireCodec.Instance;
        var baseManifest = codec.ParseManifest(baseBytes, ManifestLimits.Default);
        var victim = baseManifest.Files.FirstOrDefault(f => f.Size > 0)
            ?? throw new InvalidOperationException("the base generation has no file with content to patch against");

        // The changed file claims chunks of its own choosing: the inside can only find out by rebuilding it.
        var chunks = new List<ChunkRef>();
        for (long left = PatchOps; left > 0; left -= 1 << 20)
        {
            chunks.Add(new ChunkRef(Digest.FromBytes(RandomNumberGenerator.GetBytes(32)), (int)Math.Min(left, 1 << 20)));
        }

        var digest = Digest.FromBytes(SHA256.HashData(chunks.SelectMany(c => c.Digest.ToArray()).ToArray()));
        var entries = baseManifest.Entries
            .Select(e => e.Path == victim.Path ? e with { Size = PatchOps, Digest = digest, Chunks = chunks } : e)
            .ToList();
        var bytes = codec.SerializeManifest(new Manifest(generation, DateTimeOffset.UtcNow, entries));

        var frames = await WriteHeaderAndManifestAsync(writer, key, bytes, generation, baseManifest.Generation, Digest.Compute(baseBytes), contents: 1, PatchOps);
        await writer.WriteAsync(new ContentBeginFrame(digest, victim.Digest), CancellationToken.None);
        var ops = new DeltaOp[PatchOps];
        Array.Fill(ops, DeltaOp.Copy(0, 1));
        await writer.WriteAsync(new PatchFrame(ops, Last: true), CancellationToken.None);
        await writer.WriteAsync(new EndFrame(1, frames + 3), CancellationToken.None);
    }

    /// <summary>The signed header and the manifest in 1 MiB slices, as the outside writes them; returns the frames written.</summary>
    private static async Task<long> WriteHeaderAndManifestAsync(
        BundleWriter writer, SigningKey key, byte[] manifest, long generation, long baseGeneration, Digest baseDigest, long contents, long payloadBytes)
    {
        var header = new DeltaHeader(DeltaHeader.SlicedManifestFormat, RandomNumberGenerator.GetBytes(ProtobufWireCodec.StreamIdBytes), generation,
            Digest.Compute(manifest), manifest.Length, baseGeneration, baseDigest, DateTimeOffset.UtcNow, contents, payloadBytes);
        await writer.WriteAsync(new HeaderFrame(key.Sign(ProtobufWireCodec.Instance.SerializeHeader(header))), CancellationToken.None);
        long frames = 1;
        for (var offset = 0; offset < manifest.Length; offset += 1 << 20, frames++)
        {
            await writer.WriteAsync(new ManifestSliceFrame(manifest.AsMemory(offset, Math.Min(1 << 20, manifest.Length - offset))), CancellationToken.None);
        }

        return frames;
    }
}
