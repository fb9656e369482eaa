namespace Sync.Core.Posix;

/// <summary>What lstat-style metadata the scanner and the publisher need; nanosecond times, inode identity.</summary>
public readonly record struct FileStatus(
    UnixFileKind Kind,
    int Mode,
    long Size,
    long MtimeNs,
    long CtimeNs,
    ulong Inode,
    ulong Device,
    uint LinkCount,
    uint Uid = 0,
    uint Gid = 0);

public enum UnixFileKind
{
    Other = 0,
    File = 1,
    Directory = 2,
    Symlink = 3,
}
