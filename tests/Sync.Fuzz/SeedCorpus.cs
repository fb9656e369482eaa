using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.FileSystem;
using Sync.Core.Trust;
using Sync.Fuzz.Targets;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Testing.FileSystem;
using Sync.Transport.FileDrop;
using Sync.Transport.Udp;
using Sync.Transport.Udp.Internal;

namespace Sync.Fuzz;

/// <summary>
/// Writes the seed corpus from real data: a small APT-like tree exported by the outside's own code as a full
/// generation and then a delta (with a byte patch of an edited Packages file) into real bundles (index format 2, and
/// the first also as format 1), imported by the inside's own code in place on a simulated disk; every frame,
/// manifest, header, index, part and state file the targets read comes from those runs, plus the UDP announces of the
/// delta's session (its ticket sealed by the outside's signer), a symbol and the version-1 beacon, and real spool
/// state records. A fresh signing key signs everything; its public half is written as fuzz-key.pub (the targets
/// trust it), its private half is dropped.
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

        writer.Add("outside-state", "committed", StateDirectory(outsideRoot));
        writer.Add("outside-state", "legacy", LegacyStateDirectory(outsideRoot));
        writer.Add("scan-cache", "real", File.ReadAllBytes(Path.Combine(outsideRoot, "scan-cache.bin")));
        writer.Add("signature-store", "real", File.ReadAllBytes(Path.Combine(outsideRoot, "signatures", "signatures.pack")));

        foreach (var bundle in new[] { full, delta })
        {
            WriteBundleSeeds(bundle, writer);
        }

        writer.Add("bundle-index", "g00000001-format1", LegacyIndex(full, key, keyPath));
        WriteGrpcSeeds(full, writer);
        await WriteInsideStateAsync([full, delta], writer, cancellationToken).ConfigureAwait(false);
        WriteUdpSeeds(delta, key, writer);
        WriteSessionStateSeeds(writer, Path.Combine(work, "udp"));
        return writer.Count;
    }

    private sealed record Exported(string Drop, BundleInfo Info, List<byte[]> Frames, SignedPayload SignedHeader);

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

    /// <summary>
    /// One export as `sync-outside export` makes it. The state directory as it is at the instant the bundle is recorded
    /// but not yet visible (what an interrupted export leaves) is an outside-state seed.
    /// </summary>
    private static async Task<Exported> ExportAsync(
        string source, string outsideRoot, SigningKey key, string drop, SeedWriter writer, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(drop);
        using var outside = OutsideState.Open(outsideRoot);
        var exporter = new DeltaExporter(ProtobufWireCodec.Instance, NullLogger.Instance, TimeProvider.System);
        var prepared = await exporter.PrepareAsync(source, outside, key, new ExportOptions(), new OperationProgress(), cancellationToken).ConfigureAwait(false);
        var generation = prepared.Header.TargetGeneration;
        BundleInfo info;
        await using (var bundle = BundleWriter.Create(drop, key, BundleWriter.MinimumVolumeSize))
        {
            await prepared.EmitAsync(bundle, new OperationProgress(), cancellationToken).ConfigureAwait(false);
            info = await bundle.CompleteAsync(
                index =>
                {
                    prepared.RecordBundle(outside, index.IndexName, index.Bytes);
                    writer.Add("outside-state", $"interrupted-g{generation}", StateDirectory(outsideRoot));
                },
                cancellationToken).ConfigureAwait(false);
        }

        prepared.Commit(outside, DateTimeOffset.UtcNow);
        writer.Add("manifest", $"g{generation}", prepared.ManifestFile.ReadAllBytes());
        writer.Add("header", $"g{generation}", prepared.SignedHeader.Payload);

        var stream = info.PartNames.SelectMany(p => File.ReadAllBytes(Path.Combine(drop, p))).ToArray();
        var frames = new List<byte[]>();
        for (var at = 0; at < stream.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(at));
            frames.Add(stream.AsSpan(at + 4, length).ToArray());
            at += 4 + length;
        }

        return new Exported(drop, info, frames, prepared.SignedHeader);
    }

    /// <summary>An outside state directory in the outside-state target's input form: state.json, then manifests/ and emitted/.</summary>
    private static byte[] StateDirectory(string root)
    {
        var files = new List<(int Folder, string Name, byte[] Bytes)> { (0, "state.json", File.ReadAllBytes(Path.Combine(root, "state.json"))) };
        for (var folder = 1; folder < OutsideStateTarget.Folders.Length; folder++)
        {
            var path = Path.Combine(root, OutsideStateTarget.Folders[folder]);
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.GetFiles(path).Order(StringComparer.Ordinal).Select(f => (folder, Path.GetFileName(f), File.ReadAllBytes(f))));
            }
        }

        return StateFiles(files);
    }

    /// <summary>
    /// The layout of an outside before the emission record: state.json of the first four fields only, and a pending.json
    /// marking an export in flight (its number must stay used).
    /// </summary>
    private static byte[] LegacyStateDirectory(string root)
    {
        using var current = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "state.json")));
        var r = current.RootElement;
        var generation = r.GetProperty("generation").GetInt64();
        var state = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["generation"] = generation,
            ["manifestDigest"] = r.GetProperty("manifestDigest").GetString()!,
            ["lastStreamId"] = r.GetProperty("lastStreamId").GetString()!,
            ["exportedAt"] = r.GetProperty("exportedAt").GetString()!,
        });
        var pending = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["generation"] = generation + 1,
            ["manifestDigest"] = new string('0', 64),
            ["streamId"] = new string('0', 32),
            ["deliveredWhenExists"] = "/media/usb/sync.index",
        });
        return StateFiles([(0, "state.json", state), (0, "pending.json", pending)]);
    }

    private static byte[] StateFiles(IEnumerable<(int Folder, string Name, byte[] Bytes)> files)
    {
        var bytes = new List<byte>();
        foreach (var (folder, name, content) in files)
        {
            bytes.Add((byte)folder);
            bytes.AddRange(InputCursor.Join16([Encoding.ASCII.GetBytes(name)]));
            bytes.AddRange(InputCursor.Join32([content]));
        }

        return [.. bytes];
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

    /// <summary>
    /// The first bundle's index in format 1, as outsides before DER signatures wrote it ("SYNCIDX1", then a protobuf
    /// Signed envelope with an IEEE P1363 signature), which the inside still reads.
    /// </summary>
    private static byte[] LegacyIndex(Exported bundle, SigningKey key, string keyPath)
    {
        var file = File.ReadAllBytes(Path.Combine(bundle.Drop, bundle.Info.IndexName));
        var firstLine = Array.IndexOf(file, (byte)'\n');
        var payloadBytes = int.Parse(Encoding.ASCII.GetString(file, 0, firstLine).Split('=')[^1], System.Globalization.CultureInfo.InvariantCulture);
        var index = BundleIndex.Parser.ParseFrom(file.AsSpan(firstLine + 1, payloadBytes));
        index.FormatVersion = 1;
        var payload = index.ToByteArray();
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(keyPath));
        var signed = new Signed
        {
            Payload = ByteString.CopyFrom(payload),
            KeyId = ByteString.CopyFrom(key.KeyId),
            Signature = ByteString.CopyFrom(ecdsa.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
        };
        return [.. InputCursor.Join16([Encoding.ASCII.GetBytes(bundle.Info.Name)]), .. "SYNCIDX1"u8, .. signed.ToByteArray()];
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

    /// <summary>
    /// Both bundles imported in place, as `sync-inside import --publish in-place` does, on a simulated disk laid out as
    /// the inside-state target's (so the state files name its target); then a status, a verify record and an
    /// interrupted publish's journal written by the same code. Each file is a seed.
    /// </summary>
    private static async Task WriteInsideStateAsync(Exported[] bundles, SeedWriter writer, CancellationToken cancellationToken)
    {
        var disk = new SimulatedFileSystem();
        disk.CreateTree(Path.GetDirectoryName(InsideStateTarget.Target)!).Dispose();
        using var trust = TrustStore.Load([Path.Combine(writer.Root, FuzzKeys.PublicKeyFile)]);
        using var state = InsideState.OpenForWrite(disk, InsideStateTarget.StateRoot);
        var applier = new StreamApplier(ProtobufWireCodec.Instance, trust, NullLogger.Instance, TimeProvider.System);
        await applier.PrepareAsync(state, InsideStateTarget.Target, PublishMode.InPlace, cancellationToken).ConfigureAwait(false);
        foreach (var bundle in bundles)
        {
            var listing = BundleCatalog.Read(Path.Combine(bundle.Drop, bundle.Info.IndexName), trust);
            await using var reader = BundleReader.Open(listing, bundle.Drop);
            reader.CheckPartsPresent();
            await applier.ApplyAsync(reader, state, InsideStateTarget.Target, PublishMode.InPlace, 2, new OperationProgress(), cancellationToken).ConfigureAwait(false);
        }

        var published = state.Published;
        state.WriteStatus(new ImportStatus(DateTimeOffset.UtcNow, [.. bundles.Select(b => b.Info.Name)], [], ["bundle sync-g00000009-b00000008-000000000000: refused (example)"]));
        state.WriteVerifyRecord(new VerifyRecord(published.Generation, published.ManifestDigest, DateTimeOffset.UtcNow, 1, ["dists/stable/Release: content differs"]));
        writer.Add("inside-state", "published", [0, .. state.Tree.ReadAllBytes("published.json")]);
        writer.Add("inside-state", "status", [2, .. state.Tree.ReadAllBytes("status.json")]);
        writer.Add("inside-state", "verify", [3, .. state.Tree.ReadAllBytes("verify.json")]);

        // The journal of an in-place publish of one more generation, with every kind of step; on the target's empty
        // disk each step finds its work done or not needed, except the directories it creates.
        var staging = "/srv/.mirror.sync-staging";
        state.WriteJournal(new Journal(
            Journal.CurrentFormat, published.Generation + 1, published.ManifestDigest, new string('b', 32), PublishMode.InPlace, InsideStateTarget.Target,
            null, staging, PublishPolicy.Default,
            [
                new JournalOp(JournalOpKind.MakeDirectory, "dists", Mode: 0x1C0),
                new JournalOp(JournalOpKind.MakeDirectory, "dists/stable", Mode: 0x1C0),
                new JournalOp(JournalOpKind.Rename, "dists/stable/Release", "dists/stable/Release"),
                new JournalOp(JournalOpKind.SetMetadata, "dists/stable/Release", Mode: 0x1A4, MtimeNs: 1),
                new JournalOp(JournalOpKind.Delete, "pool/main/h/hello/hello_0.9_amd64.deb"),
                new JournalOp(JournalOpKind.RemoveDirectory, "pool/main/o"),
                new JournalOp(JournalOpKind.RemoveSwappedOut, "dists/oldstable", ".swapped/0", Marker: 7),
                new JournalOp(JournalOpKind.SetDirectoryMetadata, "dists/stable", Mode: 0x1ED, MtimeNs: 2),
                new JournalOp(JournalOpKind.SetDirectoryMetadata, "dists", Mode: 0x1ED, MtimeNs: 3),
            ],
            published.SignedBy));
        writer.Add("inside-state", "journal", [1, .. state.Tree.ReadAllBytes("journal.json")]);
    }

    /// <summary>
    /// The first announce round of the delta's UDP session as `sync-outside send` makes it (the ticket sealed by the
    /// outside's signer, its descriptor the stream's signed header), the beacon and one symbol: plain at MTU 1500, with
    /// a MAC, cut for small symbols so the ticket comes in several announces, and with the GF(2^16) code (a format-3
    /// ticket that names the code and the interleave).
    /// </summary>
    private static void WriteUdpSeeds(Exported delta, SigningKey key, SeedWriter writer)
    {
        var header = ProtobufWireCodec.Instance.ParseHeader(delta.SignedHeader.Payload);
        var sessionId = UdpDescriptor.SessionId(header);
        var stream = delta.Info.PartNames.SelectMany(p => File.ReadAllBytes(Path.Combine(delta.Drop, p))).ToArray();
        var shapes = new[]
        {
            ("plain", (byte[]?)null, 1436, FecCode.ReedSolomon8, 128, 32, 0),
            ("mac", FuzzKeys.UdpMacKey, 1420, FecCode.ReedSolomon8, 128, 32, 0),
            ("pieces", null, 128, FecCode.ReedSolomon8, 128, 32, 0),
            ("rs16", null, 1408, FecCode.ReedSolomon16, 992, 24, 42),
        };
        foreach (var (label, macKey, symbolSize, code, k, repair, interleave) in shapes)
        {
            var layout = new ObjectLayout(stream.Length, symbolSize, k, code);
            var info = new AnnounceInfo(
                sessionId, stream.Length, SHA256.HashData(stream), layout.K, symbolSize, layout.BlockCount, 2, repair, UdpDescriptor.Encode(delta.SignedHeader), code, interleave);
            var sealedTicket = TicketCodec.Seal(info, UdpDescriptor.Signer(key), out var sealLength);
            var datagrams = AnnounceCodec.BuildDatagrams(sessionId, sealedTicket, sealLength, 1, symbolSize, macKey).ToList();
            datagrams.Add(LegacyBeacon.Build(symbolSize, macKey));
            var symbol = new byte[PacketCodec.DatagramSize(symbolSize, macKey is not null)];
            PacketCodec.WriteHeader(symbol, new PacketHeader(PacketType.Symbol, 1, sessionId, 0, 0, 0, (ushort)symbolSize), macKey is not null);
            stream.AsSpan(0, Math.Min(symbolSize, stream.Length)).CopyTo(symbol.AsSpan(PacketCodec.HeaderSize));
            PacketCodec.Seal(symbol, macKey);
            datagrams.Add(symbol);
            writer.Add("udp", label, InputCursor.Join16(datagrams));
        }
    }

    /// <summary>Spool state records of the object the target resumes: one part-way, one complete (handed over at start-up).</summary>
    private static void WriteSessionStateSeeds(SeedWriter writer, string folder)
    {
        Directory.CreateDirectory(folder);
        var known = UdpSessionStateTarget.KnownObject;
        foreach (var (label, held) in new[] { ("resumable", 40), ("complete", (int)known.BlockCount * known.Layout().BitmapBytes) })
        {
            var path = Path.Combine(folder, label);
            var bitmaps = new byte[known.BlockCount * known.Layout().BitmapBytes];
            using (var state = SessionStateFile.Open(path, known, bitmaps, out _))
            {
                bitmaps.AsSpan(0, held).Fill(0xFF);
                state.WritePages([0], bitmaps, bitmaps.Length);
                state.Flush();
            }

            writer.Add("udp-session-state", label, File.ReadAllBytes(path));
        }
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
