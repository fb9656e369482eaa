using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Fuzz.Targets;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Transport.FileDrop;
using Sync.Transport.Udp.Internal;

namespace Sync.Fuzz;

/// <summary>
/// Writes the seed corpus from real data: a small APT-like tree exported by the outside's own code as a full
/// generation and then a delta (with a byte patch of an edited Packages file) into real bundles, imported by the
/// inside's own code; every frame, manifest, header, index, part and state file the targets read comes from those
/// runs, plus real UDP announces and symbols and a real spool state record. A fresh signing key signs everything;
/// its public half is written as fuzz-key.pub (the targets trust it), its private half is dropped.
/// </summary>
internal static class SeedCorpus
{
    public static async Task<int> WriteAsync(string corpus, CancellationToken cancellationToken)
    {
        var work = Scratch.Fresh("seed");
        var writer = new SeedWriter(corpus);
        var keyPath = Path.Combine(work, "outside.key");
        SigningKey.Generate(keyPath);
        File.Copy(keyPath + ".pub", Path.Combine(corpus, FuzzKeys.PublicKeyFile), overwrite: true);
        using var key = SigningKey.Load(keyPath);

        var source = Path.Combine(work, "source");
        var outsideRoot = Path.Combine(work, "outside");
        MakeTree(source);
        var full = await ExportAsync(source, outsideRoot, key, Path.Combine(work, "drop1"), writer, cancellationToken).ConfigureAwait(false);
        EditPackages(source);
        var delta = await ExportAsync(source, outsideRoot, key, Path.Combine(work, "drop2"), writer, cancellationToken).ConfigureAwait(false);

        writer.Add("outside-state", "state", [0, .. File.ReadAllBytes(Path.Combine(outsideRoot, "state.json"))]);
        writer.Add("scan-cache", "real", File.ReadAllBytes(Path.Combine(outsideRoot, "scan-cache.bin")));
        writer.Add("signature-store", "real", File.ReadAllBytes(Path.Combine(outsideRoot, "signatures", "signatures.pack")));

        foreach (var bundle in new[] { full, delta })
        {
            WriteBundleSeeds(bundle, writer);
        }

        WriteGrpcSeeds(full, writer);
        await WriteInsideStateAsync(work, [full, delta], writer, cancellationToken).ConfigureAwait(false);
        WriteUdpSeeds(writer, Path.Combine(work, "udp"));
        return writer.Count;
    }

    private sealed record Exported(string Drop, BundleInfo Info, List<byte[]> Frames);

    private static void MakeTree(string source)
    {
        Directory.CreateDirectory(Path.Combine(source, "dists", "stable", "main", "binary-amd64"));
        Directory.CreateDirectory(Path.Combine(source, "pool", "main", "h", "hello"));
        File.WriteAllText(Path.Combine(source, "dists", "stable", "Release"), "Origin: fuzz\nLabel: fuzz\nSuite: stable\nCodename: stable\n");
        File.WriteAllText(Path.Combine(source, "dists", "stable", "main", "binary-amd64", "Packages"), Packages(edited: false));
        var deb = new byte[6000];
        new Random(1).NextBytes(deb);
        File.WriteAllBytes(Path.Combine(source, "pool", "main", "h", "hello", "hello_1.0_amd64.deb"), deb);
        File.CreateSymbolicLink(Path.Combine(source, "dists", "bookworm"), "stable");
    }

    private static void EditPackages(string source) =>
        File.WriteAllText(Path.Combine(source, "dists", "stable", "main", "binary-amd64", "Packages"), Packages(edited: true));

    /// <summary>A Packages index of 160 stanzas (about 20 KiB, above the byte-delta threshold); the edit bumps two versions.</summary>
    private static string Packages(bool edited)
    {
        var text = new StringBuilder();
        for (var i = 0; i < 160; i++)
        {
            var version = edited && i is 17 or 120 ? "1.1" : "1.0";
            text.Append($"Package: pkg{i:D3}\nVersion: {version}\nArchitecture: amd64\nFilename: pool/main/p/pkg{i:D3}_{version}_amd64.deb\nSize: {1000 + i}\n\n");
        }

        return text.ToString();
    }

    private static async Task<Exported> ExportAsync(
        string source, string outsideRoot, SigningKey key, string drop, SeedWriter writer, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(drop);
        using var outside = OutsideState.Open(outsideRoot);
        var exporter = new DeltaExporter(ProtobufWireCodec.Instance, NullLogger.Instance, TimeProvider.System);
        var prepared = await exporter.PrepareAsync(source, outside, key, new ExportOptions(), new OperationProgress(), cancellationToken).ConfigureAwait(false);
        BundleInfo info;
        await using (var bundle = BundleWriter.Create(drop, key, BundleWriter.MinimumVolumeSize))
        {
            await prepared.EmitAsync(bundle, new OperationProgress(), cancellationToken).ConfigureAwait(false);
            prepared.MarkPending(outside, Path.Combine(drop, bundle.Name + ".index"));
            writer.Add("outside-state", $"pending-g{prepared.Header.TargetGeneration}", [1, .. File.ReadAllBytes(Path.Combine(outsideRoot, "pending.json"))]);
            info = await bundle.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        prepared.Commit(outside, DateTimeOffset.UtcNow);
        writer.Add("manifest", $"g{prepared.Header.TargetGeneration}", prepared.ManifestBytes);
        writer.Add("header", $"g{prepared.Header.TargetGeneration}", prepared.SignedHeader.Payload);

        var stream = info.PartNames.SelectMany(p => File.ReadAllBytes(Path.Combine(drop, p))).ToArray();
        var frames = new List<byte[]>();
        for (var at = 0; at < stream.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(at));
            frames.Add(stream.AsSpan(at + 4, length).ToArray());
            at += 4 + length;
        }

        return new Exported(drop, info, frames);
    }

    private static void WriteBundleSeeds(Exported bundle, SeedWriter writer)
    {
        var generation = bundle.Info.Name[6..14];
        var nameBytes = Encoding.ASCII.GetBytes(bundle.Info.Name);
        var index = File.ReadAllBytes(Path.Combine(bundle.Drop, bundle.Info.IndexName));
        writer.Add("bundle-index", $"g{generation}", [.. InputCursor.Join16([nameBytes]), .. index]);

        var parts = bundle.Info.PartNames.SelectMany(p => File.ReadAllBytes(Path.Combine(bundle.Drop, p))).ToArray();
        if (parts.Length < 32 << 10)
        {
            writer.Add("bundle", $"g{generation}", [.. InputCursor.Join16([nameBytes]), .. InputCursor.Join32([index]), .. parts]);
            writer.Add("frame-stream", $"g{generation}", [0, .. parts]);
            if (parts.Length < 4 << 10)
            {
                writer.Add("frame-stream", $"g{generation}-trickle", [1, .. parts]);
            }
        }

        var seen = new HashSet<Frame.BodyOneofCase>();
        foreach (var body in bundle.Frames)
        {
            var wire = Frame.Parser.ParseFrom(body);
            if (body.Length <= 8 << 10 && seen.Add(wire.BodyCase))
            {
                writer.Add("frame", $"g{generation}-{wire.BodyCase}", body);
            }

            if (wire.BodyCase == Frame.BodyOneofCase.Patch)
            {
                var size = new byte[2];
                BinaryPrimitives.WriteUInt16LittleEndian(size, (ushort)(PatchTarget.BaseBytes / 16));
                writer.Add("patch", $"g{generation}", [.. size, .. body]);
            }
        }
    }

    private static void WriteGrpcSeeds(Exported full, SeedWriter writer)
    {
        var hello = new OutsideMessage { Hello = new Hello { ProtocolVersion = GrpcLimitsVersion, Agent = "sync-outside" } }.ToByteArray();
        var messages = new List<byte[]> { hello };
        messages.AddRange(full.Frames.Select(f => new OutsideMessage { Frame = Frame.Parser.ParseFrom(f) }.ToByteArray()));
        writer.Add("grpc-inside", "full", InputCursor.Join32(messages));
        writer.Add("grpc-inside", "up-to-date", InputCursor.Join32([hello, new OutsideMessage { UpToDate = new UpToDate { Generation = 0 } }.ToByteArray()]));
        writer.Add("grpc-inside", "abort", InputCursor.Join32([new OutsideMessage { Abort = new Abort { Reason = "stopping", Busy = true } }.ToByteArray()]));

        var nothing = new InsideMessage { Holdings = new Holdings { Last = true } }.ToByteArray();
        var published = new InsideMessage { Outcome = new Outcome { Status = Outcome.Types.Status.Published, Generation = 1, Message = "generation 1 published" } }.ToByteArray();
        writer.Add("grpc-outside", "new-inside", InputCursor.Join32([nothing, published]));
        var manifestDigest = Core.Hashing.Digest.Compute(File.ReadAllBytes(Path.Combine(writer.Root, "manifest", "g1"))).ToArray();
        var held = new Holdings { PublishedGeneration = 1, PublishedManifestDigest = ByteString.CopyFrom(manifestDigest) };
        held.Contents.Add(ByteString.CopyFrom(new byte[32]));
        var batches = new List<byte[]> { new InsideMessage { Holdings = held }.ToByteArray(), nothing, published };
        writer.Add("grpc-outside", "resume", InputCursor.Join32(batches));
        writer.Add("grpc-outside", "busy", InputCursor.Join32([new InsideMessage { Outcome = new Outcome { Status = Outcome.Types.Status.Busy, Message = "busy" } }.ToByteArray()]));
    }

    private const uint GrpcLimitsVersion = Transport.Grpc.GrpcLimits.ProtocolVersion;

    private static async Task WriteInsideStateAsync(string work, Exported[] bundles, SeedWriter writer, CancellationToken cancellationToken)
    {
        var stateRoot = Path.Combine(work, "inside-state");
        var target = Path.Combine(work, "mirror");
        using var trust = TrustStore.Load([Path.Combine(writer.Root, FuzzKeys.PublicKeyFile)]);
        using (var state = InsideState.OpenForWrite(stateRoot))
        {
            var applier = new StreamApplier(ProtobufWireCodec.Instance, trust, NullLogger.Instance, TimeProvider.System);
            applier.Prepare(state, target, PublishMode.Snapshot);
            foreach (var bundle in bundles)
            {
                var listing = BundleCatalog.Read(Path.Combine(bundle.Drop, bundle.Info.IndexName), trust);
                await using var reader = BundleReader.Open(listing, bundle.Drop);
                reader.CheckPartsPresent();
                await applier.ApplyAsync(reader, state, target, PublishMode.Snapshot, 2, new OperationProgress(), cancellationToken).ConfigureAwait(false);
            }

            state.WriteStatus(new ImportStatus(DateTimeOffset.UtcNow, [.. bundles.Select(b => b.Info.Name)], [], ["bundle sync-g00000009-b00000008-000000000000: refused (example)"]));
            state.WriteJournal(new Journal(
                3, new string('a', 64), new string('b', 32), PublishMode.InPlace, target, null, Path.Combine(stateRoot, "staging"),
                [new JournalOp("mkdir", "dists/new", Mode: 0x1ed), new JournalOp("rename", "dists/new/Release", From: "staging/Release", Mode: 0x1a4, MtimeNs: 1), new JournalOp("delete", "old")]));
            writer.Add("inside-state", "journal", [1, .. File.ReadAllBytes(Path.Combine(stateRoot, "journal.json"))]);
            state.DeleteJournal();
        }

        writer.Add("inside-state", "published", [0, .. File.ReadAllBytes(Path.Combine(stateRoot, "published.json"))]);
        writer.Add("inside-state", "status", [2, .. File.ReadAllBytes(Path.Combine(stateRoot, "status.json"))]);
    }

    private static void WriteUdpSeeds(SeedWriter writer, string folder)
    {
        Directory.CreateDirectory(folder);
        var descriptor = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("bundle sync-g00000002-b00000001-5eed5eed5eed; ", 12)));
        var info = new AnnounceInfo(0x5EED, 5000, [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 3))], 4, 256, 5, 2, 2, 1, descriptor);
        foreach (var (key, label) in new[] { ((byte[]?)null, "plain"), (FuzzKeys.UdpMacKey, "mac") })
        {
            var datagrams = AnnounceCodec.BuildDatagrams(info, 256, key).ToList();
            var symbol = new byte[PacketCodec.DatagramSize(256, key is not null)];
            PacketCodec.WriteHeader(symbol, new PacketHeader(PacketType.Symbol, 1, info.SessionId, 7, 1, 2, 256), key is not null);
            new Random(2).NextBytes(symbol.AsSpan(PacketCodec.HeaderSize, 256));
            PacketCodec.Seal(symbol, key);
            datagrams.Add(symbol);
            writer.Add("udp", label, InputCursor.Join16(datagrams));
        }

        var known = UdpSessionStateTarget.KnownObject;
        var path = Path.Combine(folder, "state");
        var bitmaps = new byte[known.BlockCount * SessionStateFile.BitmapBytes];
        using (var state = SessionStateFile.Open(path, known, bitmaps, out _))
        {
            bitmaps.AsSpan(0, 40).Fill(0xFF);
            state.WritePages([0], bitmaps, bitmaps.Length);
            state.Flush();
        }

        writer.Add("udp-session-state", "resumable", File.ReadAllBytes(path));
    }

    /// <summary>Writes CORPUS/TARGET/NAME files and counts them.</summary>
    private sealed class SeedWriter(string root)
    {
        public string Root { get; } = root;

        public int Count { get; private set; }

        public void Add(string target, string name, byte[] bytes)
        {
            var folder = Path.Combine(Root, target);
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
            Count++;
        }
    }
}
