using System.Text;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Hashing;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The outside's state directory as the next export finds it: <c>state.json</c> (the base of the next delta and the
/// emission record: lastGeneration, pending, owedIndex, history), the manifests and index copies it names, and a
/// <c>pending.json</c> of an outside before the emission record. <see cref="OutsideState.Open"/> reads it and resolves
/// an interrupted emission; then the export's uses: the owed index, the last manifest, a new generation number, and
/// one bundle recorded and committed (the history and the cleanup that follow). Input: files, each a byte choosing
/// the folder (the state directory, manifests/, emitted/), the name (2-byte length, then the name), the content
/// (4-byte length, then the bytes).
/// </summary>
internal sealed class OutsideStateTarget : FuzzTarget
{
    public static readonly string[] Folders = [string.Empty, "manifests", "emitted"];

    private static readonly byte[] NextManifest = "the manifest of the generation the fuzz target exports"u8.ToArray();

    public override string Name => "outside-state";

    public override string Decodes => "the outside's state directory (state.json with its emission record, manifests, emitted/, a legacy pending.json): OutsideState.Open, then an export's uses of it";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var root = Scratch.Fresh("outside-state");
        var cursor = new InputCursor(input);
        while (!cursor.IsEmpty)
        {
            var folder = Path.Combine(root, Folders[cursor.ReadByte() % Folders.Length]);
            var name = SafeName(cursor.ReadPiece16().Span);
            var content = cursor.ReadPiece32();
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, name), content.ToArray());
        }

        using var state = OutsideState.Open(root);
        var current = state.Current;
        // (A state of an outside before the emission record has no history: JSON leaves it null, and that is read as none.)
        if (current.Generation < 0 || current.ManifestDigest is null || current.LastStreamId is null || current.History?.Any(e => e is null) == true)
        {
            throw new FuzzFinding("OutsideState accepted a state record with a missing or impossible field");
        }

        _ = state.OwedIndex;
        try
        {
            _ = state.LoadLastManifest();
        }
        catch (SyncException)
        {
            // Refused with "use --full": the operator exports a full generation next, which needs no base.
        }

        var used = state.LastGeneration;
        var generation = state.AllocateGeneration();
        if (generation <= used)
        {
            throw new FuzzFinding($"generation {generation} was allocated after {used} was used");
        }

        var digest = Digest.Compute(NextManifest).ToHex();
        var emission = new Emission(generation, state.Current.Generation, digest, new string('5', 32), Emission.FileDrop, DateTimeOffset.UnixEpoch, Emission.Pending);
        var index = $"sync-g{generation:D8}-b00000000-555555555555.index";
        state.RecordBundle(emission, state.StageManifest(emission.Generation, NextManifest), index, [1, 2, 3]);
        state.Commit(emission, state.StageManifest(emission.Generation, NextManifest), DateTimeOffset.UnixEpoch);
        if (state.Current.Generation != generation || state.Current.Pending is not null || state.Current.History[^1].Generation != generation ||
            !state.LoadLastManifest()!.AsSpan().SequenceEqual(NextManifest))
        {
            throw new FuzzFinding($"generation {generation} was committed, but the state does not say so");
        }

        return Task.CompletedTask;
    }

    /// <summary>A file name the input proposes, made safe to create in its folder (no separators, never "." or "..").</summary>
    private static string SafeName(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes[..Math.Min(bytes.Length, 64)])
        {
            builder.Append(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.' ? (char)b : '_');
        }

        var name = builder.ToString();
        return name is "" or "." or ".." ? "state.json" : name;
    }
}
