using Sync.Core.Export;
using Sync.Transport.Udp;

namespace Sync.Outside.Status;

/// <summary>
/// Reads what `sync-outside status` shows from the outside's state directory, without its lock and without resolving
/// or writing anything, so it can run beside an export, a send or a carousel.
/// </summary>
internal static class OutsideStatusReader
{
    public static OutsideStatusDocument Read(string directory)
    {
        var record = OutsideState.ReadOnly(directory);
        var history = record.History ?? [];
        var spool = Path.Combine(directory, "udp-spool");
        return new OutsideStatusDocument
        {
            StateDirectory = Path.GetFullPath(directory),
            LastGeneration = Math.Max(record.LastGeneration, record.Generation),
            BaseGeneration = record.Generation,
            BaseManifestDigest = record.Generation > 0 ? record.ManifestDigest : null,
            LastSuccessAt = record.Generation > 0 ? record.ExportedAt.UtcDateTime : null,
            SigningKeyId = history.Append(record.Pending).LastOrDefault(e => e?.KeyId is not null)?.KeyId,
            LastByCarrier = history.GroupBy(e => e.Carrier).ToDictionary(g => g.Key, g => Item(g.Last()), StringComparer.Ordinal),
            Interrupted = record.Pending is { } pending ? Item(pending) : null,
            OwedIndex = record.OwedIndex,
            AwaitingAcknowledgement = [.. history.Where(e => e.Outcome == Emission.Unconfirmed && e.Generation > record.Generation).Select(Item)],
            History = [.. history.Select(Item)],
            UdpSpool = Directory.Exists(spool)
                ? [.. UdpSpool.Open(directory).List().Select(e => new OutsideStatusDocument.SpooledStream(e.Generation, e.BaseGeneration, e.StreamIdHex, e.Length))]
                : null,
        };
    }

    private static OutsideStatusDocument.EmissionItem Item(Emission e) =>
        new(e.Generation, e.BaseGeneration, e.Carrier, e.Outcome, e.At.UtcDateTime, e.StreamId, e.ManifestDigest) { KeyId = e.KeyId };
}
