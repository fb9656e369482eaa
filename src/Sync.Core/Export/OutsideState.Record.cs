namespace Sync.Core.Export;

public sealed partial class OutsideState
{
    /// <summary>
    /// state.json. The first four fields are the base of the next delta (and all that outsides before the emission
    /// record wrote, so their state still opens); <see cref="LastGeneration"/> only ever grows.
    /// </summary>
    public sealed record Record(long Generation, string ManifestDigest, string LastStreamId, DateTimeOffset ExportedAt)
    {
        public static Record None { get; } = new(0, string.Empty, string.Empty, DateTimeOffset.UnixEpoch);

        public long LastGeneration { get; init; }

        /// <summary>Recorded before it became visible, not yet resolved.</summary>
        public Emission? Pending { get; init; }

        /// <summary>A sealed index (in emitted/) an interrupted export owes the drop folder.</summary>
        public string? OwedIndex { get; init; }

        /// <summary>The latest emissions, oldest first.</summary>
        public IReadOnlyList<Emission> History { get; init; } = [];
    }
}
