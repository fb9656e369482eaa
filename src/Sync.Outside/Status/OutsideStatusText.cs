using System.Globalization;

namespace Sync.Outside.Status;

/// <summary>`sync-outside status` without --json: the same facts as the JSON document, one line each.</summary>
internal static class OutsideStatusText
{
    public static void Write(OutsideStatusDocument s, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(s.BaseGeneration == 0
            ? string.Create(c, $"base: none yet (the next export is full); generation numbers used up to {s.LastGeneration}")
            : string.Create(c, $"base: generation {s.BaseGeneration} since {s.LastSuccessAt:u} (manifest {s.BaseManifestDigest}); numbers used up to {s.LastGeneration}"));
        if (s.SigningKeyId is { } key)
        {
            output.WriteLine($"signing key: {key}");
        }

        foreach (var (carrier, e) in s.LastByCarrier.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(c, $"last {carrier}: generation {e.Generation} {Shape(e)} {e.Outcome} at {e.At:u}"));
        }

        if (s.Interrupted is { } interrupted)
        {
            output.WriteLine(string.Create(c, $"interrupted: {interrupted.Carrier} of generation {interrupted.Generation}; the next run finishes or abandons it"));
        }

        if (s.OwedIndex is { } owed)
        {
            output.WriteLine($"owed: index {owed} is written into the drop folder again by the next export");
        }

        foreach (var e in s.AwaitingAcknowledgement)
        {
            output.WriteLine(string.Create(c, $"awaiting acknowledgement: generation {e.Generation} pushed at {e.At:u}; the next push learns what the inside holds"));
        }

        foreach (var spooled in s.UdpSpool ?? [])
        {
            output.WriteLine(string.Create(c, $"udp spool: generation {spooled.Generation} {(spooled.BaseGeneration == 0 ? "(full)" : $"(delta from {spooled.BaseGeneration})")}, {spooled.Bytes} bytes"));
        }
    }

    private static string Shape(OutsideStatusDocument.EmissionItem e) =>
        e.BaseGeneration == 0 ? "(full)" : string.Create(CultureInfo.InvariantCulture, $"(delta from {e.BaseGeneration})");
}
