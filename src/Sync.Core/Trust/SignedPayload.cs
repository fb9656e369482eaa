namespace Sync.Core.Trust;

/// <summary>Bytes plus the outside's signature over exactly those bytes, and the id of the key that made it.</summary>
public sealed record SignedPayload(byte[] Payload, byte[] KeyId, byte[] Signature);
