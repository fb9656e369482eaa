namespace Sync.Core.Manifests;

public enum EntryKind
{
    File = 1,
    Directory = 2,
    Symlink = 3,
}
