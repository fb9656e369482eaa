namespace Sync.Transport.FileDrop;

/// <summary>
/// A bundle's signed index, complete and durable under a temporary name but not yet visible: what the outside records
/// before it renames the index into place, so an interrupted export can deliver exactly these bytes again.
/// </summary>
public sealed record SealedIndex(string IndexName, byte[] Bytes);
