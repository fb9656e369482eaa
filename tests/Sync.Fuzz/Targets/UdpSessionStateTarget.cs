using Sync.Transport.Udp.Internal;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The resume record of a UDP spool session (<c>state</c> in a session folder) as the receiver reads it: at start-up,
/// <see cref="ReceiveSession.CompleteSpool"/> (<see cref="SessionStateFile.ReadInfo"/>, then the bitmaps of the object
/// the record names, to hand over an object that was complete), and when a verified announce resumes the session,
/// <see cref="SessionStateFile.Open"/> with the announce's object, which the seed corpus's record describes.
/// </summary>
internal sealed class UdpSessionStateTarget : FuzzTarget
{
    /// <summary>The object the seeds' records describe: 1 MiB in 1,400-byte symbols, 64 per block.</summary>
    public static readonly AnnounceInfo KnownObject = new(
        0x5EED_0000_0000_0001, 1 << 20, [.. Enumerable.Range(0, 32).Select(i => (byte)i)], 64, 1400, 12, 1, 16, []);

    public override string Name => "udp-session-state";

    public override string Decodes => "a UDP spool session state file: ReceiveSession.CompleteSpool (ReadInfo, bitmaps) and SessionStateFile.Open (resume)";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Scratch.WriteFresh("session", "state", input), "state");
        var info = SessionStateFile.ReadInfo(path);
        if (info is not null && info.Layout().BlockCount != info.BlockCount)
        {
            throw new FuzzFinding("ReadInfo returned a record whose layout does not match it");
        }

        var bitmaps = new byte[KnownObject.BlockCount * KnownObject.Layout().BitmapBytes];
        using (SessionStateFile.Open(path, KnownObject, bitmaps, out _))
        {
        }

        // Start-up: a spool left by an earlier run keeps its descriptor beside the record, and the receiver hands over
        // an object that was complete without waiting for an announce (an object of no blocks is: nothing is missing).
        var spool = Scratch.WriteFresh("spool", "state", input);
        File.WriteAllBytes(Path.Combine(spool, "descriptor"), [1, 2, 3]);
        if (ReceiveSession.CompleteSpool(spool) is { } complete && (info is null || !complete.SameObject(info)))
        {
            throw new FuzzFinding("CompleteSpool handed over an object its record does not describe");
        }

        return Task.CompletedTask;
    }
}
