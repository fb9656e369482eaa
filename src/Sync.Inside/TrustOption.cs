using System.CommandLine;

namespace Sync.Inside;

/// <summary>The `--trust` option every applying command shares: the outside's public keys, each with a name.</summary>
internal static class TrustOption
{
    public static Option<string[]> Create() => new("--trust")
    {
        Description = "Trusted public key: FILE.pub (named after the file) or NAME=FILE.pub; repeat to trust the current and the next key during a rotation.",
        Required = true,
        AllowMultipleArgumentsPerToken = false,
    };
}
