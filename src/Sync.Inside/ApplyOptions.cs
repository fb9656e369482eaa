using System.CommandLine;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Posix;
using Sync.Hosting;

namespace Sync.Inside;

/// <summary>
/// The options every command that publishes takes (import, serve, pull, receive, repair's checks): what published files'
/// metadata may be, re-hashing, reprepro's lock, and local changes; and the <see cref="ApplySettings"/> they make.
/// </summary>
internal sealed class ApplyOptions
{
    public Option<bool> KeepSpecialModes { get; } = InsideCommands.KeepSpecialModesOption();

    public Option<string> Owner { get; } = new("--owner")
    {
        Description = "USER:GROUP owning every published entry (default: the owner of the directory published into; needs root).",
    };

    public Option<bool> Verify { get; } = new("--verify")
    {
        Description = "Re-hash published files before reusing or replacing them (finds changes that keep size and mtime).",
    };

    public Option<string> LockTimeout { get; } = new("--lock-timeout")
    {
        Description = "How long an in-place publish waits for reprepro's db/lockfile (default 10m).",
        DefaultValueFactory = _ => "10m",
    };

    public Option<bool> OverwriteLocalChanges { get; } = new("--overwrite-local-changes")
    {
        Description = "Replace entries of an in-place target that something else changed since the last publish (each is logged).",
    };

    public void AddTo(Command command) => command.AddOptions(KeepSpecialModes, Owner, Verify, LockTimeout, OverwriteLocalChanges);

    public ApplySettings Read(ParseResult result)
    {
        PublishOwner? owner = null;
        if (result.GetValue(Owner) is { } spec)
        {
            var (uid, gid) = UnixAccounts.ResolveOwner(spec);
            if (!UnixAccounts.IsRoot && uid != UnixAccounts.EffectiveUid)
            {
                throw SyncException.Usage($"--owner {spec}: only root can publish files owned by another user");
            }

            owner = new PublishOwner(uid, gid);
        }

        return new ApplySettings
        {
            Policy = new PublishPolicy(result.GetValue(KeepSpecialModes), owner),
            Verify = result.GetValue(Verify),
            LockTimeout = OptionValue.Parse("--lock-timeout", result.GetValue(LockTimeout)!, Units.ParseInterval),
            OverwriteLocalChanges = result.GetValue(OverwriteLocalChanges),
        };
    }
}
