namespace Sync.Integration.Tests.Infrastructure;

/// <summary>A real signed reprepro repository built by scripts/make-apt-repo.sh (dpkg-deb, reprepro, gpg).</summary>
public sealed class AptRepo
{
    private AptRepo(string directory) => Directory_ = directory;

    public string Directory_ { get; }

    public string Tree => Path.Combine(Directory_, "repo");

    public string GnupgHome => Path.Combine(Directory_, "gnupg");

    public static async Task<AptRepo> CreateAsync(string directory, int packages = 30, int sizeKib = 64)
    {
        await Run.Ok(Run.Script("make-apt-repo.sh", "init", directory, "--packages", packages.ToString(), "--size-kib", sizeKib.ToString()));
        return new AptRepo(directory);
    }

    public Task<ProcessResult> Update(int add = 5, int remove = 3, int upgrade = 8) =>
        Run.Ok(Run.Script("make-apt-repo.sh", "update", Directory_, "--add", add.ToString(), "--remove", remove.ToString(), "--upgrade", upgrade.ToString()));

    /// <summary>Checks a published copy as apt would: InRelease signature, index hashes, pool file hashes.</summary>
    public Task<ProcessResult> Check(string publishedTree) => Run.Script("make-apt-repo.sh", "check", publishedTree, GnupgHome);
}
