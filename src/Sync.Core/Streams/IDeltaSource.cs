namespace Sync.Core.Streams;

/// <summary>Where the inside reads a delta stream from; returns null at the end. Each carrier implements one.</summary>
public interface IDeltaSource
{
    ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken);
}
