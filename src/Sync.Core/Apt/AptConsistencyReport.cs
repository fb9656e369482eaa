namespace Sync.Core.Apt;

/// <summary>What <see cref="AptConsistency"/> found: whether the tree is an APT repository, what it checked, and every inconsistency.</summary>
public sealed record AptConsistencyReport(
    bool IsRepository,
    int ReleaseFiles,
    int IndicesChecked,
    int PoolFilesChecked,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Notes)
{
    public bool IsConsistent => Problems.Count == 0;

    /// <summary>One line: the first inconsistency, and how many there are.</summary>
    public string Summary => Problems.Count switch
    {
        0 => "consistent",
        1 => Problems[0],
        _ => $"{Problems[0]} (and {Problems.Count - 1} more inconsistencies)",
    };
}
