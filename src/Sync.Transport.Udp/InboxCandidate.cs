using System.Globalization;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Engine.Inside;
using Sync.Protocol;

namespace Sync.Transport.Udp;

/// <summary>
/// One stream of the UDP inbox as the inside's intake takes it: its signed header is the descriptor announced with
/// it, its frames are read from the file. Applied, refused or superseded streams leave the inbox; one that waits for
/// its base, or hit disk trouble, stays for the next round. Settling removes its parts too, if any came. Each publish is one line on the receiver's output.
/// </summary>
internal sealed class InboxCandidate(UdpInbox inbox, UdpStreamFile entry, TextWriter output, Action published) : IIntakeCandidate
{
    public string What { get; } = $"UDP {entry.Describe}";

    public string? NamedStreamPrefix => null;

    public CandidateClaim? Claim { get; } = new(entry.Generation, entry.BaseGeneration, entry.StreamIdHex);

    public async ValueTask<CandidateHeader> ReadHeaderAsync(CancellationToken cancellationToken) =>
        new(UdpDescriptor.Decode(await File.ReadAllBytesAsync(entry.DescriptorPath, cancellationToken).ConfigureAwait(false)));

    public ValueTask<IDeltaSource> OpenAsync(CancellationToken cancellationToken)
    {
        // No FileStream buffer: the pipe's segments are the buffer, so the kernel copies straight into them.
        var file = new FileStream(entry.StreamPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

        // The reader owns the file: the intake disposes the source, which completes the pipe and closes the file.
        return ValueTask.FromResult<IDeltaSource>(PipeFrameReader.Create(file, What, leaveOpen: false));
    }

    public string Pending(Exception reason, PublishedRecord published) => reason is SyncException { Kind: SyncErrorKind.MissingBase }
        ? $"{entry.Describe} waits in the inbox for generation {entry.BaseGeneration} (published: {published.Generation})"
        : $"{entry.Describe}: {reason.Message}";

    public void Settle(CandidateFate fate, AppliedGeneration? applied)
    {
        if (fate is CandidateFate.Waiting or CandidateFate.Kept)
        {
            return; // tried again when the next stream arrives
        }

        // Told first: the generation is live once published, and removing a large stream's files takes a while
        // (tens of ms per part). If it fails, the next round clears them (UdpInbox.RemovePartsUpTo).
        if (applied is not null)
        {
            published();
            WritePublished(output, applied);
        }

        inbox.Remove(entry);
    }

    /// <summary>The receiver's one line for a publish, whichever way the stream came.</summary>
    internal static void WritePublished(TextWriter output, AppliedGeneration applied) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"generation {applied.Header.TargetGeneration} published (was {applied.Before}): {applied.ContentsReceived} contents, {applied.BytesReceived} content bytes received, applied in {applied.Elapsed.TotalSeconds:F2} s"));
}
