namespace Sync.Core.Trust;

/// <summary>
/// One public key the inside trusts, under the name the operator gave it (`--trust NAME=FILE`) or its file's name,
/// so logs and `status` say which key signed a generation, and a rotation can be followed key by key.
/// </summary>
public sealed record TrustedKey(string Name, string KeyIdHex, string Path)
{
    public override string ToString() => $"'{Name}' ({KeyIdHex})";
}
