namespace Sync.Core.Apply;

/// <summary>The steps of an in-place publish, in the order the journal lists them (see docs/apply.md).</summary>
public enum JournalOpKind
{
    /// <summary>Create a directory of the target that the new generation adds.</summary>
    MakeDirectory,

    /// <summary>Move a staged file or symlink over a path of the target (replacing a file or symlink there).</summary>
    Rename,

    /// <summary>Set mode and mtime of a target file whose inode no other path shares.</summary>
    SetMetadata,

    /// <summary>
    /// Swap a staged entry with the target's (renameat2 RENAME_EXCHANGE): a whole APT suite, or anything whose kind
    /// changes to or from a directory. <see cref="JournalOp.Marker"/> is the staged entry's inode: when the target path
    /// has it, the swap happened.
    /// </summary>
    Exchange,

    /// <summary>Remove a file or symlink the new generation drops.</summary>
    Delete,

    /// <summary>Remove a directory the new generation drops (empty by then).</summary>
    RemoveDirectory,

    /// <summary>Remove what an exchange swapped out into staging, unless the swap has not happened.</summary>
    RemoveSwappedOut,

    /// <summary>Set mode and mtime of a target directory (last, deepest first, since every step above touches mtimes).</summary>
    SetDirectoryMetadata,
}
