using System.Text.RegularExpressions;
using Sync.Core;

namespace Sync.Transport.FileDrop;

/// <summary>
/// What `sync-inside import` does with a bundle once it is done with it: `--applied` for one whose generation is
/// published (or was before), `--refused` for one that can never apply here (older than what is published, on
/// another base, untrusted, damaged). Keep it (the default, as before), delete it (applied bundles only: a refused one
/// is evidence), or move it into a folder (an archive, a quarantine, or where the operator takes media back from).
/// Drop folders then do not grow forever, a systemd path unit watching the folder is not triggered again, and a
/// stale bundle is refused once instead of by every import after. Parts go first and the index last, so an import
/// killed half-way leaves an index that the next import settles again, never parts without an index.
/// </summary>
public sealed partial record BundleSettlement
{
    private BundleSettlement(string? moveTo, bool delete) => (MoveTo, Delete) = (moveTo, delete);

    public static BundleSettlement Keep { get; } = new(null, false);

    public string? MoveTo { get; }

    public bool Delete { get; }

    /// <summary>`--applied`: "keep", "delete" or "move:DIR" (DIR must exist and not be the drop folder).</summary>
    public static BundleSettlement ParseApplied(string text, string dropDirectory) => Parse("--applied", text, dropDirectory, allowDelete: true);

    /// <summary>`--refused`: "keep" or "move:DIR" (DIR must exist and not be the drop folder).</summary>
    public static BundleSettlement ParseRefused(string text, string dropDirectory) => Parse("--refused", text, dropDirectory, allowDelete: false);

    private static BundleSettlement Parse(string option, string text, string dropDirectory, bool allowDelete)
    {
        var choices = allowDelete ? "keep, delete or move:DIR" : "keep or move:DIR";
        switch (text)
        {
            case "keep":
                return Keep;
            case "delete" when allowDelete:
                return new BundleSettlement(null, true);
        }

        if (!text.StartsWith("move:", StringComparison.Ordinal) || text.Length == "move:".Length)
        {
            throw SyncException.Usage($"{option}: '{text}' is not {choices}");
        }

        var directory = Path.GetFullPath(text["move:".Length..]);
        if (!Directory.Exists(directory))
        {
            throw SyncException.Usage($"{option}: folder '{directory}' does not exist; create it first");
        }

        if (directory.TrimEnd('/') == Path.GetFullPath(dropDirectory).TrimEnd('/'))
        {
            throw SyncException.Usage($"{option}: move:DIR must be another folder than --drop");
        }

        return new BundleSettlement(directory, false);
    }

    internal void Settle(BundleListing listing, string dropDirectory)
    {
        if (MoveTo is null && !Delete)
        {
            return;
        }

        // A damaged index names no parts: its parts are found by the bundle's name instead, compared as text (never as
        // a search pattern: a hostile index named with '?' or '*' must not take another bundle's parts along).
        var parts = listing.IsValid
            ? listing.Parts.Select(part => part.Name)
            : Directory.EnumerateFiles(dropDirectory).Select(Path.GetFileName).OfType<string>()
                .Where(name => name.StartsWith(listing.Name, StringComparison.Ordinal) && PartName().IsMatch(name[listing.Name.Length..]));
        foreach (var part in parts.ToList())
        {
            Take(Path.Combine(dropDirectory, part));
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

    [GeneratedRegex(@"^\.p[0-9]{4,}$")]
    private static partial Regex PartName();
}
