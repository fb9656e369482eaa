namespace Sync.Core.Streams;

/// <summary>Where the outside writes a delta stream; each carrier implements one.</summary>
public interface IDeltaSink
{
    ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken);
}
