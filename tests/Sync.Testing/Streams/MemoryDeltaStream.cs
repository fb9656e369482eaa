using Sync.Core.Streams;

namespace Sync.Testing.Streams;

/// <summary>A carrier in memory: keeps copies of every frame written, and replays them as a source.</summary>
public sealed class MemoryDeltaStream : IDeltaSink, IDeltaSource
{
    private int _next;

    public List<DeltaFrame> Frames { get; } = [];

    public ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken)
    {
        // Frames may point into buffers the writer reuses once this returns.
        Frames.Add(frame switch
        {
            ManifestSliceFrame slice => new ManifestSliceFrame(slice.Data.ToArray()),
            ChunkFrame chunk => new ChunkFrame(chunk.Digest, chunk.Data.ToArray()),
            PatchFrame patch => new PatchFrame(patch.Ops.Select(o => o.IsCopy ? o : Sync.Core.Delta.DeltaOp.Literal(o.Data.ToArray())).ToArray(), patch.Last),
            _ => frame,
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_next < Frames.Count ? Frames[_next++] : null);

    public void Rewind() => _next = 0;
}
