using Sync.Core;

namespace Sync.Transport.FileDrop;

/// <summary>
/// What `sync-inside import --applied` does with a bundle once its generation is published (or was before): keep it
/// (the default, as before), delete it, or move it into a folder (an archive, or where the operator takes media back
/// from). Drop folders then do not grow forever, and a systemd path unit watching the folder is not triggered again by
/// what was applied. Parts go first and the index last, so an import killed half-way leaves an index that the next
/// import skips as applied and settles again, never parts without an index that nothing would clean.
/// </summary>
public sealed record AppliedBundles
{
    private AppliedBundles(string? moveTo, bool delete) => (MoveTo, Delete) = (moveTo, delete);

    public static AppliedBundles Keep { get; } = new(null, false);

    public string? MoveTo { get; }

    public bool Delete { get; }

    /// <summary>"keep", "delete" or "move:DIR" (DIR must exist and not be the drop folder).</summary>
    public static AppliedBundles Parse(string text, string dropDirectory)
    {
        switch (text)
        {
            case "keep":
                return Keep;
            case "delete":
                return new AppliedBundles(null, true);
        }

        if (!text.StartsWith("move:", StringComparison.Ordinal) || text.Length == "move:".Length)
        {
            throw SyncException.Usage($"--applied: '{text}' is not keep, delete or move:DIR");
        }

        var directory = Path.GetFullPath(text["move:".Length..]);
        if (!Directory.Exists(directory))
        {
            throw SyncException.Usage($"--applied: folder '{directory}' does not exist; create it first");
        }

        if (directory.TrimEnd('/') == Path.GetFullPath(dropDirectory).TrimEnd('/'))
        {
            throw SyncException.Usage("--applied: move:DIR must be another folder than --drop");
        }

        return new AppliedBundles(directory, false);
    }

    internal void Settle(BundleListing listing, string dropDirectory)
    {
        if (MoveTo is null && !Delete)
        {
            return;
        }

        foreach (var part in listing.Parts)
        {
            Take(Path.Combine(dropDirectory, part.Name));
        }

        Take(listing.IndexPath);
    }

    private void Take(string path)
    {
        if (!File.Exists(path))
        {
            return; // taken by an earlier, interrupted run
        }

        if (MoveTo is { } directory)
        {
            File.Move(path, Path.Combine(directory, Path.GetFileName(path)), overwrite: true);
        }
        else
        {
            File.Delete(path);
        }
    }
}
