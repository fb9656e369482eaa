namespace Sync.Core.Apply;

public enum PublishMode
{
    /// <summary>PATH is a symlink switched atomically to a complete directory per generation.</summary>
    Snapshot,

    /// <summary>PATH stays a real directory; files are renamed into it in an apt-safe order.</summary>
    InPlace,
}
