using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Core.Verification;
using Sync.Protocol;
using Sync.Testing.FileSystem;
using Sync.Testing.Logging;
using Sync.Testing.Streams;
using Xunit.Abstractions;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// The inside's apply path under simulated power loss, not only SIGKILL (which keeps the page cache): a generation
/// is applied on a <see cref="SimulatedFileSystem"/> whose power is cut at every step in turn; each cut is turned into
/// the disks a real file system could leave (only what was durable, everything, and random mixes with torn writes);
/// on each, readers must see one whole generation, and the next run must converge to the new generation exactly.
/// The tree has what makes apply hard: a suite changed in place, a suite alias that turns from a directory into a
/// symlink, a file that becomes a directory, a patched database, two identical files, removals and additions.
/// </summary>
public sealed class PowerLossTests : IClassFixture<PowerLossTests.Generations>, IDisposable
{
    private const string StateRoot = "/var/lib/sync-inside";
    private const string Target = "/srv/mirror";

    private readonly Generations _generations;
    private readonly ITestOutputHelper _output;

    // A power cut or a reset connection is an exception, not a logged error: every run here must log none.
    private readonly LogScope _log = new();

    public PowerLossTests(Generations generations, ITestOutputHelper output)
    {
        _generations = generations;
        _output = output;
    }

    public void Dispose() => _log.Dispose();

    [Theory]
    [InlineData(PublishMode.Snapshot, false)]
    [InlineData(PublishMode.InPlace, false)]
    [InlineData(PublishMode.Snapshot, true)]
    [InlineData(PublishMode.InPlace, true)]
    public async Task Every_power_cut_leaves_a_whole_generation_and_the_next_run_converges(PublishMode mode, bool resume)
    {
        var start = new SimulatedFileSystem();
        start.CreateTree("/srv").Dispose();
        await ApplyAsync(start, _generations.First, mode, resume);
        var quiet = start.Snapshot();

        // With a resume store, the first attempt loses its connection two thirds of the way through, so what it
        // staged is salvaged into the store; the power is cut during the receive, the salvage or after.
        var cutStream = resume ? (int?)(_generations.Second.Stream.Frames.Count * 2 / 3) : null;

        // One run without a cut tells how many steps applying the second generation takes.
        var probe = quiet.Snapshot();
        var before = probe.Steps;
        await AttemptAsync(probe, mode, resume, cutStream);
        var steps = probe.Steps - before;
        Assert.True(steps > 20, $"only {steps} steps");

        var random = new Random(1234);
        long cuts = 0, images = 0;
        for (var step = 1; step <= steps; step++)
        {
            var disk = quiet.Snapshot();
            disk.ArmCut(step);
            await Assert.ThrowsAsync<PowerCutException>(() => AttemptAsync(disk, mode, resume, cutStream));
            cuts++;
            foreach (var variant in new[] { CrashVariant.DurableOnly, CrashVariant.Everything, CrashVariant.Random, CrashVariant.Random })
            {
                var image = disk.CrashImage(variant, random);
                images++;
                await AssertReadersSeeWholeGenerationsAsync(image, mode, $"cut at step {step}/{steps}, {variant}");

                // A second cut during recovery, now and then: recovery must be as cut-proof as the apply.
                if (variant == CrashVariant.Random && random.Next(4) == 0)
                {
                    var again = image.Snapshot();
                    again.ArmCut(random.Next(1, 200));
                    try
                    {
                        await RecoverAsync(again, mode, resume);
                    }
                    catch (PowerCutException)
                    {
                        image = again.CrashImage(CrashVariant.Random, random);
                        images++;
                        await AssertReadersSeeWholeGenerationsAsync(image, mode, $"cut at step {step}/{steps}, then during recovery");
                    }
                }

                await RecoverAsync(image, mode, resume);
                await AssertPublishedAsync(image, _generations.Second.Manifest, $"cut at step {step}/{steps}, {variant}, after recovery");
            }
        }

        _output.WriteLine($"{mode}, resume {resume}: {steps} crash points, {cuts} cuts, {images} disk images recovered");
    }

    /// <summary>The run the power is cut in: the second generation, over a connection that may fail part way.</summary>
    private async Task AttemptAsync(SimulatedFileSystem fileSystem, PublishMode mode, bool resume, int? failAfterFrames)
    {
        if (failAfterFrames is null)
        {
            await ApplyAsync(fileSystem, _generations.Second, mode, resume);
            return;
        }

        try
        {
            await ApplyAsync(fileSystem, _generations.Second, mode, resume, failAfterFrames);
            Assert.Fail("the connection was to fail");
        }
        catch (IOException e) when (e.Message == FailingSource.Reset)
        {
            // What the carrier reports; a power cut, if any, is a PowerCutException and goes on up.
        }
    }

    private async Task ApplyAsync(SimulatedFileSystem fileSystem, Generation generation, PublishMode mode, bool resume, int? failAfterFrames = null)
    {
        using var state = InsideState.OpenForWrite(fileSystem, StateRoot);
        using var store = resume ? new ResumeStore(fileSystem, PublishLayout.ResumeDirectory(state, Target, mode)) : null;
        var applier = new StreamApplier(ProtobufWireCodec.Instance, _generations.Trust, _log.CreateLogger(nameof(StreamApplier)), TimeProvider.System);
        await applier.PrepareAsync(state, Target, mode, store, CancellationToken.None);
        generation.Stream.Rewind();
        IDeltaSource source = failAfterFrames is { } frames ? new FailingSource(generation.Stream, frames) : generation.Stream;
        await applier.ApplyAsync(source, state, Target, mode, 2, new OperationProgress(), CancellationToken.None, resume: store);
    }

    /// <summary>What the next run of the inside does: finish or roll back, then apply the generation unless it is published.</summary>
    private async Task RecoverAsync(SimulatedFileSystem fileSystem, PublishMode mode, bool resume)
    {
        using (var state = InsideState.OpenForWrite(fileSystem, StateRoot))
        {
            using var store = resume ? new ResumeStore(fileSystem, PublishLayout.ResumeDirectory(state, Target, mode)) : null;
            var applier = new StreamApplier(ProtobufWireCodec.Instance, _generations.Trust, _log.CreateLogger(nameof(StreamApplier)), TimeProvider.System);
            await applier.PrepareAsync(state, Target, mode, store, CancellationToken.None);
            if (state.Published.Generation == 2)
            {
                return;
            }

            Assert.Equal(1, state.Published.Generation);
        }

        await ApplyAsync(fileSystem, _generations.Second, mode, resume);
    }

    private async Task AssertReadersSeeWholeGenerationsAsync(SimulatedFileSystem image, PublishMode mode, string when)
    {
        if (mode == PublishMode.Snapshot)
        {
            // One rename switches the symlink: the tree behind it is one generation, exactly (its pool shared with the
            // other generation's, which may hold that one's files too).
            using var tree = ReaderView(image);
            var roots = SharedPools.Roots(_generations.Second.Manifest);
            var first = await TreeVerifier.VerifyAsync(tree, _generations.First.Manifest, PublishPolicy.Default, new OperationProgress(), CancellationToken.None, roots);
            var second = await TreeVerifier.VerifyAsync(tree, _generations.Second.Manifest, PublishPolicy.Default, new OperationProgress(), CancellationToken.None, roots);
            Assert.True(first.Count == 0 || second.Count == 0, $"{when}: the published tree is neither generation: {string.Join("; ", first.Take(3))} / {string.Join("; ", second.Take(3))}");
            return;
        }

        // In place the tree passes through mixed states, but every file is a whole file of one generation, and each
        // suite's InRelease and the indices it names change together.
        using var target = image.TryOpenTree(Target, followSymlink: false)!;
        foreach (var path in Walk(target, string.Empty))
        {
            var old = _generations.First.Manifest.Find(path);
            var now = _generations.Second.Manifest.Find(path);
            var file = target.ReadAllBytes(path);
            if (path.StartsWith("db/.lockfile.sync-inside.", StringComparison.Ordinal) ||
                (path == "db/lockfile" && System.Text.Encoding.ASCII.GetString(file).StartsWith("sync-inside ", StringComparison.Ordinal)))
            {
                continue; // reprepro's lock (or its content being written), held by the cut apply: the next run clears it (checked after recovery)
            }

            var matches = (old is { Kind: EntryKind.File } && Matches(file, old)) || (now is { Kind: EntryKind.File } && Matches(file, now));
            Assert.True(matches, $"{when}: '{path}' is published with bytes of neither generation");
        }

        var release = target.TryStat("dists/sample/InRelease") is null ? null : target.ReadAllBytes("dists/sample/InRelease");
        var packages = target.TryStat("dists/sample/main/binary-amd64/Packages") is null ? null : target.ReadAllBytes("dists/sample/main/binary-amd64/Packages");
        Assert.True(release is not null && packages is not null, $"{when}: the suite is incomplete");
        var generation = Matches(release, _generations.First.Manifest.Find("dists/sample/InRelease")!) ? _generations.First : _generations.Second;
        Assert.True(Matches(packages, generation.Manifest.Find("dists/sample/main/binary-amd64/Packages")!), $"{when}: InRelease and Packages are of different generations");
    }

    private static async Task AssertPublishedAsync(SimulatedFileSystem image, Manifest manifest, string when)
    {
        using var tree = ReaderView(image);
        var problems = await TreeVerifier.VerifyAsync(tree, manifest, PublishPolicy.Default, new OperationProgress(), CancellationToken.None, SharedPools.Roots(manifest));
        Assert.True(problems.Count == 0, $"{when}: {string.Join("; ", problems.Take(5))}");
    }

    /// <summary>
    /// The target as a reader sees it: the symlinks at its top level followed as the kernel follows them (the target's
    /// own, and snapshot mode's pool links into the shared store), whatever the inside's state says.
    /// </summary>
    private static IDirectoryTree ReaderView(SimulatedFileSystem image)
    {
        using var parent = image.TryOpenTree(Path.GetDirectoryName(Target)!)!;
        var status = parent.TryStat(Path.GetFileName(Target));
        Assert.True(status is not null, "the target is gone");
        if (status.Value.Kind != UnixFileKind.Symlink)
        {
            return image.TryOpenTree(Target, followSymlink: false)!;
        }

        var snapshot = parent.ReadLink(Path.GetFileName(Target));
        var main = image.TryOpenTree(snapshot)!;
        var routes = new Dictionary<string, IDirectoryTree>(StringComparer.Ordinal);
        foreach (var name in main.List(string.Empty).Where(n => main.TryStat(n) is { Kind: UnixFileKind.Symlink } && main.ReadLink(n).Contains("/pools/", StringComparison.Ordinal)))
        {
            var linked = Path.GetFullPath(Path.Combine(snapshot, main.ReadLink(name)));
            if (image.TryOpenTree(linked) is { } tree)
            {
                routes[name] = tree;
            }
        }

        return new RoutedTree(main, routes, ownsTrees: true);
    }

    /// <summary>True when the bytes are the entry's content: every chunk of its manifest, in order, and nothing else.</summary>
    private static bool Matches(byte[] content, ManifestEntry entry)
    {
        if (entry.Kind != EntryKind.File || content.Length != entry.Size)
        {
            return false;
        }

        long offset = 0;
        foreach (var chunk in entry.Chunks)
        {
            if (offset + chunk.Length > content.Length || Hashing.Digest.Compute(content.AsSpan((int)offset, chunk.Length)) != chunk.Digest)
            {
                return false;
            }

            offset += chunk.Length;
        }

        return offset == content.Length;
    }

    private static IEnumerable<string> Walk(IDirectoryTree tree, string directory)
    {
        foreach (var name in tree.List(directory))
        {
            var path = TreePath.Combine(directory, name);
            switch (tree.TryStat(path)!.Value.Kind)
            {
                case UnixFileKind.Directory:
                    foreach (var inner in Walk(tree, path))
                    {
                        yield return inner;
                    }

                    break;
                case UnixFileKind.File:
                    yield return path;
                    break;
            }
        }
    }

    internal sealed record Generation(MemoryDeltaStream Stream, Manifest Manifest);

    /// <summary>A carrier whose connection drops after some frames (an IOException, as a reset gRPC stream gives).</summary>
    private sealed class FailingSource(IDeltaSource inner, int frames) : IDeltaSource
    {
        public const string Reset = "connection reset by peer";

        private int _read;

        public ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken) =>
            ++_read > frames ? throw new IOException(Reset) : inner.ReadAsync(cancellationToken);
    }

    /// <summary>Two generations of a small APT-shaped tree, exported once by the real exporter.</summary>
    public sealed class Generations : IAsyncLifetime, IDisposable
    {
        private readonly TempDirectory _dir = new("sync-powerloss-");
        private readonly LogScope _log = new();

        internal Generation First { get; private set; } = null!;

        internal Generation Second { get; private set; } = null!;

        internal TrustStore Trust { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var key = _dir.Combine("key");
            SigningKey.Generate(key);
            using var signing = SigningKey.Load(key);
            Trust = TrustStore.Load([key + ".pub"]);
            var source = _dir.Combine("source");

            Write(source, "conf/distributions", "Codename: sample\nComponents: main\n"u8.ToArray());
            Write(source, "db/packages.db", Random(150_000, 1));
            Write(source, "dists/sample/main/binary-amd64/Packages", Random(3_000, 2));
            Write(source, "dists/sample/Release", Random(500, 3));
            Write(source, "dists/sample/InRelease", Random(900, 4));
            Write(source, "dists/stable/InRelease", Random(900, 4));
            Write(source, "notes", "a file for now\n"u8.ToArray());
            Write(source, "pool/main/a/a_1.deb", Random(90_000, 5));
            Write(source, "pool/main/b/b_1.deb", Random(40_000, 6));
            Write(source, "pool/main/x/same.deb", Random(20_000, 7));
            Write(source, "pool/main/y/same.deb", Random(20_000, 7));
            File.SetLastWriteTimeUtc(Path.Combine(source, "pool/main/y/same.deb"), File.GetLastWriteTimeUtc(Path.Combine(source, "pool/main/x/same.deb")));
            First = await ExportAsync(source, signing);

            var db = File.ReadAllBytes(Path.Combine(source, "db/packages.db"));
            db[70_000] ^= 0xFF;
            Write(source, "db/packages.db", db);
            Write(source, "dists/sample/main/binary-amd64/Packages", Random(3_200, 12));
            Write(source, "dists/sample/Release", Random(520, 13));
            Write(source, "dists/sample/InRelease", Random(940, 14));
            Directory.Delete(Path.Combine(source, "dists/stable"), recursive: true);
            File.CreateSymbolicLink(Path.Combine(source, "dists/stable"), "sample");
            File.Delete(Path.Combine(source, "notes"));
            Write(source, "notes/README", "a directory now\n"u8.ToArray());
            File.Delete(Path.Combine(source, "pool/main/b/b_1.deb"));
            Directory.Delete(Path.Combine(source, "pool/main/b"));
            Write(source, "pool/main/c/c_1.deb", Random(60_000, 15));
            File.SetLastWriteTimeUtc(Path.Combine(source, "pool/main/y/same.deb"), new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            Second = await ExportAsync(source, signing);
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose()
        {
            Trust?.Dispose();
            _dir.Dispose();
            _log.Dispose();
        }

        private async Task<Generation> ExportAsync(string source, SigningKey key)
        {
            using var state = OutsideState.Open(_dir.Combine("outside"));
            var exporter = new DeltaExporter(ProtobufWireCodec.Instance, _log.CreateLogger(nameof(DeltaExporter)), TimeProvider.System);
            var prepared = await exporter.PrepareAsync(source, state, key, new ExportOptions(), new OperationProgress(), CancellationToken.None);
            var stream = new MemoryDeltaStream();
            prepared.RecordSent(state);
            await prepared.EmitAsync(stream, new OperationProgress(), CancellationToken.None);
            prepared.Commit(state, DateTimeOffset.UtcNow);
            var manifestBytes = prepared.ManifestFile.ReadAllBytes();
            return new Generation(stream, ProtobufWireCodec.Instance.ParseManifest(manifestBytes, ManifestLimits.Default));
        }

        private static void Write(string root, string path, byte[] bytes)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        private static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
