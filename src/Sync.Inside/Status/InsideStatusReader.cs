using System.Text.RegularExpressions;
using Sync.Core.Apply;
using Sync.Core.Verification;
using Sync.Transport.Udp;

namespace Sync.Inside.Status;

/// <summary>
/// Reads what `status` shows from the inside's state directory, without its lock and without writing anything: the
/// published record, the last verify, a journal left by an interrupted publish, the last import's status (what waits
/// and what was refused, with kinds), the UDP inbox and spool, and the Release files of the published tree.
/// </summary>
internal static partial class InsideStatusReader
{
    /// <summary>A Release file this close to its Valid-Until is flagged "expiring": a day leaves time to bring a new one.</summary>
    public static readonly TimeSpan ExpiringWithin = TimeSpan.FromDays(1);

    public static InsideStatusDocument Read(InsideState inside, TimeProvider time)
    {
        var p = inside.Published;
        var published = p.Generation > 0;
        var verify = inside.ReadVerifyRecord();
        var status = inside.ReadStatus();
        return new InsideStatusDocument
        {
            StateDirectory = inside.Root,
            PublishedGeneration = p.Generation,
            PublishedAt = published ? p.PublishedAt.UtcDateTime : null,
            Mode = published ? ModeName(p.Mode) : null,
            Target = published ? p.Target : null,
            ManifestDigest = published ? p.ManifestDigest : null,
            SignedBy = published && p.SignedBy is { } signer ? Signer(signer) : null,
            LastVerify = verify is null ? null : new(verify.Generation, verify.At.UtcDateTime, verify.Problems, verify.Sample ?? []),
            Damaged = inside.PublishedMayBeDamaged,
            Interrupted = inside.ReadJournal() is { } journal ? new(journal.Generation) : null,
            LastImportAt = status?.At.UtcDateTime,
            Pending = [.. (status?.PendingWithKinds ?? []).Select(ToNote)],
            Refused = [.. (status?.RefusedWithKinds ?? []).Select(ToNote)],
            Udp = Udp(inside.Root),
            ReleaseFiles = published ? Releases(inside, time.GetUtcNow()) : null,
        };
    }

    public static string ModeName(PublishMode mode) => mode == PublishMode.Snapshot ? "snapshot" : "in-place";

    /// <summary>"valid", "expiring", "expired", "unbounded" (no Valid-Until) or "unreadable" (not a date) at <paramref name="now"/>.</summary>
    public static string Validity(ReleaseHeader header, DateTimeOffset now) =>
        header.ValidUntil is not { } until ? (header.ValidUntilText is null ? "unbounded" : "unreadable")
        : until <= now ? "expired"
        : until - now <= ExpiringWithin ? "expiring"
        : "valid";

    private static InsideStatusDocument.Note ToNote(StatusNote note) =>
        new(note.Kind, note.Reason) { Generation = note.Generation, BaseGeneration = note.BaseGeneration };

    /// <summary>The published record names its signer as "'NAME' (KEYID)" (a trusted key's display); older records, other text.</summary>
    private static InsideStatusDocument.SigningKey Signer(string text) =>
        SignerPattern().Match(text) is { Success: true } m ? new(m.Groups[1].Value, m.Groups[2].Value) : new(text, null);

    private static InsideStatusDocument.UdpState? Udp(string stateRoot)
    {
        var inboxDirectory = UdpInbox.DirectoryOf(stateRoot);
        var spoolDirectory = Path.Combine(stateRoot, "udp-spool");
        if (!Directory.Exists(inboxDirectory) && !Directory.Exists(spoolDirectory))
        {
            return null;
        }

        // A stream held in parts (part 0 in, applied while the rest arrives) waits as much as a whole one.
        var held = Directory.Exists(inboxDirectory) ? new UdpInbox(inboxDirectory) : null;
        IReadOnlyList<InsideStatusDocument.InboxStream> inbox = held is null
            ? []
            :
            [
                .. held.List().Select(e => new InsideStatusDocument.InboxStream(e.Generation, e.BaseGeneration, e.StreamIdHex)),
                .. held.PartialStreams().Select(p => new InsideStatusDocument.InboxStream(p.Generation, p.BaseGeneration, p.StreamIdHex)),
            ];
        return new(inbox, [.. SpooledSession.List(spoolDirectory).Select(s =>
            new InsideStatusDocument.PartialSession(s.SessionId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), s.ObjectBytes, s.BytesOnDisk, s.LastActivity.UtcDateTime))]);
    }

    private static IReadOnlyList<InsideStatusDocument.ReleaseFile>? Releases(InsideState inside, DateTimeOffset now)
    {
        IReadOnlyList<(string Path, ReleaseHeader Header)> files;
        try
        {
            using var tree = PublishLayout.OpenPublished(inside, inside.Published.Target);
            files = tree is null ? [] : ReleaseFiles.Read(tree);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the tree cannot be read from here (permissions, gone): status still reports the state
        }

        return files.Count == 0 ? null :
        [
            .. files.Select(f => new InsideStatusDocument.ReleaseFile(
                f.Path, f.Header.Suite, f.Header.Codename, f.Header.Date?.UtcDateTime, f.Header.ValidUntil?.UtcDateTime, Validity(f.Header, now))),
        ];
    }

    [GeneratedRegex("^'(.*)' \\(([0-9a-f]{16})\\)$", RegexOptions.CultureInvariant)]
    private static partial Regex SignerPattern();
}
