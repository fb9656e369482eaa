using Sync.Core.Scanning;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The outside's scan cache (<c>scan-cache.bin</c>): a damaged cache must only cost a re-hash, never an exception or a
/// runaway allocation. What loads must save and load again to the same entries.
/// </summary>
internal sealed class ScanCacheTarget : FuzzTarget
{
    public override string Name => "scan-cache";

    public override string Decodes => "the outside's scan-cache.bin: ScanCache.Load, then Save and Load again";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var root = Scratch.WriteFresh("scan-cache", "scan-cache.bin", input);
        var path = Path.Combine(root, "scan-cache.bin");
        var cache = ScanCache.Load(path);
        var again = Path.Combine(root, "again.bin");
        cache.Save(again);
        if (ScanCache.Load(again).Count != cache.Count)
        {
            throw new FuzzFinding("a loaded scan cache does not survive Save and Load");
        }

        return Task.CompletedTask;
    }
}
