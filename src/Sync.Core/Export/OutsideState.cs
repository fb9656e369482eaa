using System.Text.Json;
using Sync.Core.Apply;
using Sync.Core.Storage;

namespace Sync.Core.Export;

/// <summary>
/// What the outside remembers between runs, in its state directory: the highest generation number it ever used,
/// the generation the next delta builds on (with its manifest), what it emitted recently, the scan cache and the
/// block signatures. Layout: state.json, manifests/gNNNNNNNN.manifest, emitted/*.index, scan-cache.bin,
/// signatures/*.sig, outside.lock.
/// <para>
/// The outside never learns from a drop folder what it delivered: a diode's transfer service moves files away.
/// So every step is recorded here first: a generation number is taken (durably) before it is signed, and an
/// emission is recorded (durably, with what is needed to finish it) before the carrier makes it visible. An
/// interrupted export is then resolved from this record alone, and no number is ever used twice.
/// </para>
/// </summary>
public sealed partial class OutsideState : IDisposable
{
    private const int HistoryKept = 32;
    private readonly FileStream _lock;
    private readonly ManifestArchive _manifests;
    private SignatureStore? _signatures;

    private OutsideState(string directory, FileStream lockFile, Record record)
    {
        Root = directory;
        _lock = lockFile;
        Current = record;
        _manifests = new ManifestArchive(directory);
    }

    public string Root { get; }

    /// <summary>The generation the next delta builds on (Generation 0: none yet), and the emission records.</summary>
    public Record Current { get; private set; }

    /// <summary>The highest generation number this outside has used, for anything: the next one is above it.</summary>
    public long LastGeneration => Math.Max(Current.LastGeneration, Current.Generation);

    public string ScanCachePath => Path.Combine(Root, "scan-cache.bin");

    public string SignaturesPath => Path.Combine(Root, "signatures");

    /// <summary>The block signatures of exported contents, opened on first use and owned by this state.</summary>
    public SignatureStore Signatures => _signatures ??= new SignatureStore(SignaturesPath);

    /// <summary>Set when Open finished or dropped an emission that a crash interrupted; worth telling the operator.</summary>
    public string? RecoveryNote { get; private set; }

    private string StatePath => Path.Combine(Root, OutsideStateFile.Name);

    private string EmittedDirectory => Path.Combine(Root, "emitted");

    public static OutsideState Open(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            Directory.CreateDirectory(Path.Combine(directory, "manifests"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot use state directory '{directory}': {e.Message}");
        }

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(directory, "outside.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw SyncException.Busy($"another sync-outside is using state directory '{directory}'");
        }

        Record record;
        try
        {
            record = OutsideStateFile.Read(directory);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }

        var state = new OutsideState(directory, lockFile, record);
        try
        {
            state.ResolvePending();
            state.ForgetLegacyPending();
            state.ForgetUnrecordedCopies();
            state._manifests.ForgetStaged();
        }
        catch
        {
            state.Dispose();
            throw;
        }

        return state;
    }

    /// <summary>
    /// What the state directory records, read without its lock and without resolving or writing anything (for
    /// `status`, beside a running export): <see cref="Record.None"/> when it holds no record yet.
    /// </summary>
    public static Record ReadOnly(string directory) =>
        Directory.Exists(directory) ? OutsideStateFile.Read(directory) : throw SyncException.Usage($"state directory '{directory}' does not exist");

    /// <summary>
    /// Takes the next generation number, above every number used before and above <paramref name="atLeastAbove"/>
    /// (what an answering inside publishes), and makes it durable before the caller signs anything with it.
    /// </summary>
    public long AllocateGeneration(long atLeastAbove = 0)
    {
        var above = Math.Max(LastGeneration, atLeastAbove);
        if (above == long.MaxValue)
        {
            throw new SyncException(SyncErrorKind.Failure, $"no generation number is left above {above} (state '{StatePath}', or what the inside says it publishes)");
        }

        var generation = above + 1;
        Save(Current with { LastGeneration = generation });
        CrashPoints.Hit();
        return generation;
    }

    /// <summary>
    /// Records a sealed bundle before its index is renamed into the drop folder: its manifest, a copy of the index
    /// and the emission, all durable. If the export is interrupted from here on, the next open counts the bundle as
    /// delivered and the next export writes the same index again (an inside that has it already skips it).
    /// </summary>
    public void RecordBundle(Emission emission, StagedManifest manifest, string indexName, byte[] indexBytes)
    {
        _manifests.Write(emission.Generation, manifest);
        CrashPoints.Hit();
        AtomicFile.WriteAllBytes(Path.Combine(EmittedDirectory, indexName), indexBytes);
        CrashPoints.Hit();
        SavePending(emission with { Carrier = Emission.FileDrop, File = indexName });
    }

    /// <summary>
    /// Records a generation before the carrier's own durable copy of it appears in the state directory (the UDP
    /// spool stream, from which `send` and the carousel transmit). An interruption is resolved on the next open:
    /// sent if that copy exists (once it does, packets may have left and the carousel repeats it), else abandoned.
    /// </summary>
    public void RecordSpooled(Emission emission, StagedManifest manifest, string spoolPath)
    {
        if (!Path.GetFullPath(spoolPath).StartsWith(Path.GetFullPath(Root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the spool '{spoolPath}' is not in the state directory '{Root}'", nameof(spoolPath));
        }

        _manifests.Write(emission.Generation, manifest);
        CrashPoints.Hit();
        SavePending(emission with { Carrier = Emission.Udp, File = Path.GetRelativePath(Root, spoolPath) });
    }

    /// <summary>
    /// Records a generation before its first frame goes to an inside that answers (gRPC), and keeps its manifest, so
    /// the next push can delta from it even if this one is cut after the inside published but before it said so.
    /// Nothing is pending: the inside's answer (or its holdings next time) says what it holds.
    /// </summary>
    public void RecordSent(Emission emission, StagedManifest manifest)
    {
        _manifests.WriteSent(emission.ManifestDigest, manifest);
        Save(Current with { History = AddToHistory(emission with { Carrier = Emission.Grpc, Outcome = Emission.Unconfirmed }) });
    }

    /// <summary>The sealed bundle index an interrupted export still owes a drop folder, or null.</summary>
    public (string Name, byte[] Bytes)? OwedIndex
    {
        get
        {
            if (Current.OwedIndex is not { } name)
            {
                return null;
            }

            var path = Path.Combine(EmittedDirectory, name);
            return File.Exists(path) ? (name, File.ReadAllBytes(path)) : null;
        }
    }

    /// <summary>Call once the owed index is in a drop folder again.</summary>
    public void IndexRedelivered()
    {
        var name = Current.OwedIndex;
        Save(Current with { OwedIndex = null });
        CrashPoints.Hit();
        if (name is not null)
        {
            File.Delete(Path.Combine(EmittedDirectory, name));
        }
    }

    /// <summary>
    /// Records that the pending emission never became visible (the carrier failed before it could): its number
    /// stays used, and the next delta builds on the same base as before.
    /// </summary>
    public void Abandon()
    {
        if (Current.Pending is not { } pending)
        {
            return;
        }

        Save(Current with { Pending = null, History = AddToHistory(pending with { Outcome = Emission.Abandoned }) });
        DeleteEmittedCopy(pending);
    }

    /// <summary>
    /// Makes a generation the base of the next delta: once the carrier made it visible (file drop), sent it (UDP), or
    /// the inside published it (gRPC).
    /// </summary>
    public void Commit(Emission emission, StagedManifest? manifest, DateTimeOffset when)
    {
        var generation = emission.Generation;
        var pending = Current.Pending is { } p && p.Generation == generation && p.StreamId == emission.StreamId ? p : null;
        if (pending is null)
        {
            _manifests.Write(generation, manifest ?? throw new ArgumentNullException(nameof(manifest))); // a pending emission linked it already
        }

        var outcome = emission.Carrier switch
        {
            Emission.FileDrop => Emission.Delivered,
            Emission.Udp => Emission.Sent,
            _ => Emission.Published,
        };
        Save(Current with
        {
            Generation = generation,
            ManifestDigest = emission.ManifestDigest,
            LastStreamId = emission.StreamId,
            ExportedAt = when,
            LastGeneration = Math.Max(LastGeneration, generation),
            Pending = pending is null ? Current.Pending : null,
            History = AddToHistory((pending ?? emission) with { Outcome = outcome }),
        });
        CrashPoints.Hit();
        if (pending is not null)
        {
            DeleteEmittedCopy(pending);
        }

        _manifests.PruneBelow(generation);
    }

    /// <summary>Writes a prepared generation's manifest to this directory as it is serialized, so no one holds its bytes.</summary>
    public StagedManifest StageManifest(long generation, Action<Stream> write) => _manifests.Stage(generation, write);

    /// <summary>As the other overload, for bytes at hand.</summary>
    public StagedManifest StageManifest(long generation, ReadOnlyMemory<byte> manifestBytes) => StageManifest(generation, s => s.Write(manifestBytes.Span));

    /// <summary>The last exported generation's manifest bytes (tests, and a carrier that hands them to an inside); see <see cref="ParseLastManifest"/>.</summary>
    public byte[]? LoadLastManifest() => ReadLastManifest((stream, length) =>
    {
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    });

    /// <summary>
    /// The manifest bytes of a generation this outside produced, found by generation and digest among the exported
    /// ones and those sent but never confirmed (a push cut after the inside published); null when unknown.
    /// </summary>
    public byte[]? FindManifest(long generation, string manifestDigestHex) => _manifests.Find(generation, manifestDigestHex);

    /// <summary>
    /// Bytes of the manifests kept as sent but never confirmed. What an inside kept from cut transfers is named in
    /// them, so a carrier can bound how much an inside may claim to hold.
    /// </summary>
    public long SentManifestBytes() => _manifests.SentBytes();

    public void Dispose()
    {
        _signatures?.Dispose();
        _plainSignatures?.Dispose();
        _lock.Dispose();
    }

    /// <summary>Finishes the emission a crash interrupted, from this record alone (never from a drop folder).</summary>
    private void ResolvePending()
    {
        if (Current.Pending is not { } pending)
        {
            return;
        }

        var whole = _manifests.IsIntact(pending.Generation, pending.ManifestDigest);
        if (pending is { Carrier: Emission.FileDrop, File: { } index } && whole && File.Exists(Path.Combine(EmittedDirectory, index)))
        {
            // Its index may or may not have reached the drop folder (and may have been carried away since): count it
            // as delivered and owe the drop folder the same index, which an inside that has it already skips.
            Save(Current with { OwedIndex = index });
            Commit(pending, null, pending.At);
            RecoveryNote = $"an export of generation {pending.Generation} was interrupted after its bundle was sealed; it counts as delivered, and the next export writes its index {index} again";
        }
        else if (pending is { Carrier: Emission.Udp, File: { } spool } && whole && File.Exists(Path.Combine(Root, spool)))
        {
            Commit(pending, null, pending.At);
            RecoveryNote = $"a send of generation {pending.Generation} was interrupted after its stream was spooled; it counts as sent (the carousel repeats it)";
        }
        else
        {
            Abandon();
            RecoveryNote = $"an emission of generation {pending.Generation} was interrupted before anything of it was visible; the number stays used and the next delta builds on generation {Current.Generation}";
        }
    }

    /// <summary>Removes index copies that no record names: left by an export killed between writing one and recording it.</summary>
    private void ForgetUnrecordedCopies()
    {
        if (!Directory.Exists(EmittedDirectory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(EmittedDirectory))
        {
            var name = Path.GetFileName(file);
            if (name != Current.OwedIndex && name != Current.Pending?.File)
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>
    /// pending.json is how outsides before the emission record marked an export in flight; its number counts as used,
    /// but where it went cannot be known from here.
    /// </summary>
    private void ForgetLegacyPending()
    {
        var path = Path.Combine(Root, "pending.json");
        if (!File.Exists(path))
        {
            return;
        }

        long generation = 0;
        try
        {
            using var legacy = JsonDocument.Parse(File.ReadAllBytes(path));
            generation = legacy.RootElement.GetProperty("generation").GetInt64();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Damaged: nothing to keep from it.
        }

        Save(Current with { LastGeneration = Math.Max(LastGeneration, generation) });
        File.Delete(path);
        File.Delete(Path.Combine(Root, "pending.manifest"));
        RecoveryNote = $"an export of generation {generation} by an earlier version was interrupted; if the inside refuses the next bundle, export --full once";
    }

    private void SavePending(Emission emission)
    {
        var pending = emission with { Outcome = Emission.Pending };
        Save(Current with { Pending = pending, LastGeneration = Math.Max(LastGeneration, emission.Generation) });
        CrashPoints.Hit();
    }

    private void Save(Record record)
    {
        OutsideStateFile.Write(StatePath, record);
        Current = record;
    }

    private IReadOnlyList<Emission> AddToHistory(Emission emission) =>
        [.. (Current.History ?? []).Where(e => e.StreamId != emission.StreamId).TakeLast(HistoryKept - 1), emission];

    private void DeleteEmittedCopy(Emission emission)
    {
        // The copy (and emitted/ with it) may be gone already: a crash between deleting it and saving, or a hand clean-up.
        if (emission.Carrier == Emission.FileDrop && emission.File is { } name && name != Current.OwedIndex &&
            File.Exists(Path.Combine(EmittedDirectory, name)))
        {
            File.Delete(Path.Combine(EmittedDirectory, name));
        }
    }
}
