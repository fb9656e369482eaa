using Sync.Core.Storage;

namespace Sync.Core.Export;

public sealed partial class OutsideState
{
    private SignatureStore? _plainSignatures;

    /// <summary>
    /// For indices a repository ships only compressed (no plain `Packages` beside `Packages.xz`): the block signature of
    /// each exported compressed content's plain text, by the compressed content's digest, so the next export can send
    /// the delta of the plain text (docs/architecture.md). Opened on first use and owned by this state.
    /// </summary>
    public SignatureStore PlainSignatures => _plainSignatures ??= new SignatureStore(Path.Combine(Root, "plain-signatures"));

    /// <summary>Where an export keeps the plain text of compressed-only indices until they are sent; emptied by each export.</summary>
    public string PlainWorkPath => Path.Combine(Root, "plain-work");
}
