using System.Globalization;

namespace Sync.Inside.Status;

/// <summary>`sync-inside status` without --json: the same facts as the JSON document, one line each.</summary>
internal static class InsideStatusText
{
    public static void Write(InsideStatusDocument s, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        if (s.PublishedGeneration == 0)
        {
            output.WriteLine("published: nothing yet");
        }
        else
        {
            output.WriteLine(string.Create(c, $"published: generation {s.PublishedGeneration} at {s.PublishedAt:u} ({s.Mode} mode, {s.Target})"));
            output.WriteLine($"manifest: {s.ManifestDigest}");
            output.WriteLine($"signed by: {(s.SignedBy is { } k ? (k.KeyId is null ? $"key {k.Name}" : $"key '{k.Name}' ({k.KeyId})") : "(not recorded: published before keys were named)")}");
        }

        if (s.Damaged && s.LastVerify is { } verified)
        {
            output.WriteLine(string.Create(c, $"damaged: verify at {verified.At:u} found {verified.Differences} difference(s); run 'sync-inside repair' (the next import re-checks every file it reuses)"));
        }

        if (s.Interrupted is { } interrupted)
        {
            output.WriteLine(string.Create(c, $"interrupted: publish of generation {interrupted.Generation}; the next import finishes it"));
        }

        if (s.LastImportAt is { } at)
        {
            output.WriteLine(string.Create(c, $"last import: {at:u}"));
            foreach (var note in s.Pending)
            {
                output.WriteLine($"pending: {note.Reason}");
            }

            foreach (var note in s.Refused)
            {
                output.WriteLine($"refused: {note.Reason} [{note.Kind}]");
            }

            if (s.Pending.Count == 0 && s.Refused.Count == 0)
            {
                output.WriteLine("pending: nothing");
            }
        }

        if (s.Udp is { } udp)
        {
            foreach (var stream in udp.Inbox)
            {
                output.WriteLine(string.Create(c, $"udp inbox: generation {stream.Generation} ({(stream.BaseGeneration == 0 ? "full" : $"delta from {stream.BaseGeneration}")})"));
            }

            foreach (var session in udp.PartialSessions)
            {
                output.WriteLine(string.Create(c, $"udp partial session {session.SessionId}: {session.BytesOnDisk} bytes spooled, last packet stored {session.LastActivity:u}"));
            }
        }

        foreach (var release in s.ReleaseFiles ?? [])
        {
            var name = release.Suite ?? release.Codename ?? release.Path;
            output.WriteLine(release.ValidUntil is { } until
                ? string.Create(c, $"valid until: {until:u} {release.Path} ({name}){Flag(release.Validity)}")
                : $"valid until: {(release.Validity == "unreadable" ? "(unreadable date)" : "no limit")} {release.Path} ({name})");
        }
    }

    private static string Flag(string validity) => validity switch
    {
        "expired" => ": EXPIRED, apt clients refuse it",
        "expiring" => ": expires within a day",
        _ => string.Empty,
    };
}
