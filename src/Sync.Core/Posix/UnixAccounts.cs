using System.Globalization;
using System.Runtime.InteropServices;

namespace Sync.Core.Posix;

/// <summary>Users and groups: who this process is, and what `--owner USER:GROUP` names.</summary>
public static partial class UnixAccounts
{
    public static bool IsRoot => GetEffectiveUid() == 0;

    public static int EffectiveUid => (int)GetEffectiveUid();

    /// <summary>
    /// Resolves "USER:GROUP", "USER" (its primary group), or numeric ids. Throws a usage error naming what is unknown.
    /// </summary>
    public static (int Uid, int Gid) ResolveOwner(string spec)
    {
        var colon = spec.IndexOf(':');
        var user = colon < 0 ? spec : spec[..colon];
        var group = colon < 0 ? null : spec[(colon + 1)..];
        if (user.Length == 0 || group is { Length: 0 })
        {
            throw SyncException.Usage($"--owner '{spec}': expected USER:GROUP, USER, or numeric ids");
        }

        var (uid, primaryGid) = User(user) ?? throw SyncException.Usage($"--owner '{spec}': there is no user '{user}' on this system");
        var gid = group is null ? primaryGid : Group(group) ?? throw SyncException.Usage($"--owner '{spec}': there is no group '{group}' on this system");
        return (uid, gid);
    }

    private static (int Uid, int Gid)? User(string name)
    {
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            var byId = GetPwUid((uint)id);
            return (id, byId == 0 ? id : Marshal.ReadInt32(byId, 20));
        }

        // struct passwd: char *pw_name, char *pw_passwd, uid_t pw_uid, gid_t pw_gid, ...
        var entry = GetPwNam(name);
        return entry == 0 ? null : (Marshal.ReadInt32(entry, 16), Marshal.ReadInt32(entry, 20));
    }

    private static int? Group(string name)
    {
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }

        // struct group: char *gr_name, char *gr_passwd, gid_t gr_gid, ...
        var entry = GetGrNam(name);
        return entry == 0 ? null : Marshal.ReadInt32(entry, 16);
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUid();

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial nint GetPwUid(uint uid);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetGrNam(string name);
}
