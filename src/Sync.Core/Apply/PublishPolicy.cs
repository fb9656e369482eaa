namespace Sync.Core.Apply;

/// <summary>
/// What the inside lets a manifest decide about the published files' metadata. The inside writes as root into a tree
/// that every apt client trusts, so by default it publishes no setuid, setgid or sticky bit and no write bit for
/// others, whatever the manifest says (an APT repository needs none of them). <see cref="KeepSpecialModes"/> publishes
/// the modes as given, for a tree that is not an APT repository and whose outside is trusted with that.
/// <see cref="Owner"/>, when set, owns every entry the publish creates (a tree a service such as Landscape writes to
/// must stay that service's); null leaves them to whoever runs the inside.
/// </summary>
public sealed record PublishPolicy(bool KeepSpecialModes = false, PublishOwner? Owner = null)
{
    private const int OthersWrite = 0x2; // 0002; 07000 (setuid, setgid, sticky) is outside 0777

    public static PublishPolicy Default { get; } = new();

    /// <summary>The permission bits to publish for a manifest mode.</summary>
    public int Mode(int manifestMode) => KeepSpecialModes ? manifestMode & 0xFFF : manifestMode & 0x1FF & ~OthersWrite;

    /// <summary>For messages: what this policy strips.</summary>
    public string Describe() => KeepSpecialModes ? "modes as the manifest gives them" : "no setuid/setgid/sticky bits and no write bit for others";
}

/// <summary>Owner and group of published entries.</summary>
public sealed record PublishOwner(int Uid, int Gid);
