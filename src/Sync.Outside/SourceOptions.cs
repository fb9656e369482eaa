using System.CommandLine;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Engine.Outside;
using Sync.Hosting;
using Sync.Transport.FileDrop;

namespace Sync.Outside;

/// <summary>
/// The options every publishing command of `sync-outside` takes (export, send, push, serve): the source tree, the state
/// directory, the key, --full, --verify, --immutable-dir, the consistency guard's --no-consistency-check, --no-recompress, --wait and
/// --lock-timeout, --quiet and --verbose, each command describing the state and
/// --full in its own words; and the engine's <see cref="GenerationSource"/> they make.
/// </summary>
internal sealed class SourceOptions(string stateDescription, string fullDescription)
{
    public Option<string> SourceDirectory { get; } = new("--source") { Description = "The source tree (e.g. the reprepro repository root).", Required = true };

    public Option<string> State { get; } = new("--state") { Description = stateDescription, Required = true };

    public Option<string> Key { get; } = new("--key") { Description = "The private signing key.", Required = true };

    public Option<bool> Full { get; } = new("--full") { Description = fullDescription };

    public Option<bool> Verify { get; } = new("--verify") { Description = "Re-hash every source file instead of trusting size/mtime/inode." };

    public Option<string[]> Immutable { get; } = new("--immutable-dir")
    {
        Description = "Name of directories whose files never change in place (no block signatures kept). Default: pool.",
        DefaultValueFactory = _ => ["pool"],
    };

    public Option<bool> NoConsistencyCheck { get; } = new("--no-consistency-check")
    {
        Description = "Sign the tree without checking that InRelease/Release, the indices and the pool agree (for trees that are not APT-consistent).",
    };

    public Option<long> AfterGeneration { get; } = new("--after-generation")
    {
        Description = "Number the next generation above N: the generation the inside publishes (its status says), after this state was lost or restored from an older backup. With an older state, add --full.",
    };

    public Option<bool> NoRecompress { get; } = new("--no-recompress")
    {
        Description = "Send changed compressed indices (X.gz, X.xz) as bytes, never as an instruction to rebuild them from X on the inside (for an inside whose zlib or liblzma writes other bytes).",
    };

    public Option<string> RecompressMax { get; } = new("--recompress-max")
    {
        Description = "Rebuild on the inside only .xz indices whose plain text is at most SIZE, or 'unlimited'; larger ones travel as bytes: " +
            "less CPU on both sides (xz -9 of a 36 MB Packages takes about 26 s each) for more bytes. A .gz is always rebuilt. Default: 16MB.",
        DefaultValueFactory = _ => "16MB",
    };

    public Option<string?> Wait { get; } = new("--wait")
    {
        Description = "Scan an APT-inconsistent tree again until it is consistent, for at most this long (e.g. 10m), then refuse (exit 3). Default: refuse at once.",
    };

    public Option<string> LockTimeout { get; } = new("--lock-timeout")
    {
        Description = "How long to wait while reprepro holds db/lockfile before giving up (exit 6; default 10m).",
        DefaultValueFactory = _ => "10m",
    };

    public Option<bool> Quiet { get; } = StandardOptions.Quiet();

    public Option<bool> Verbose { get; } = StandardOptions.Verbose();

    public void AddTo(Command command) => command.AddOptions(
        SourceDirectory, State, Key, Full, Verify, Immutable, NoConsistencyCheck, NoRecompress, RecompressMax, AfterGeneration, Wait, LockTimeout, Quiet, Verbose);

    /// <param name="key">The key loaded from <see cref="Key"/>; the caller owns it.</param>
    public GenerationSource Generation(ParseResult result, SigningKey key) => new(
        result.GetValue(SourceDirectory)!,
        result.GetValue(State)!,
        key,
        new ExportOptions
        {
            Full = result.GetValue(Full),
            Verify = result.GetValue(Verify),
            ImmutableDirectories = result.GetValue(Immutable)!,
            ConsistencyCheck = !result.GetValue(NoConsistencyCheck),
            Recompress = !result.GetValue(NoRecompress),
            RecompressMaxPlainBytes = result.GetValue(RecompressMax) is "unlimited" ? long.MaxValue : OptionValue.Parse("--recompress-max", result.GetValue(RecompressMax)!, VolumeSize.Parse),
            NumberAbove = result.GetValue(AfterGeneration) is var after and >= 0
                ? after
                : throw SyncException.Usage("--after-generation must be 0 or more"),
            ConsistencyWait = result.GetValue(Wait) is { } wait ? OptionValue.Parse("--wait", wait, Units.ParseInterval) : TimeSpan.Zero,
            LockTimeout = OptionValue.Parse("--lock-timeout", result.GetValue(LockTimeout)!, Units.ParseInterval),
        });
}
