using Sync.Core.Apply;

namespace Sync.Core.Tests.Apply;

public sealed class PublisherTests
{
    [Theory]
    [InlineData("pool/main/s/sample/sample_1.0_amd64.deb", 0)]
    [InlineData("db/packages.db", 0)]
    [InlineData("dists/sample/main/binary-amd64/Packages", 1)]
    [InlineData("dists/sample/main/binary-amd64/Packages.xz", 1)]
    [InlineData("ubuntu/dists/noble/main/binary-amd64/Packages.gz", 1)]
    [InlineData("dists/sample/main/binary-amd64/Release", 2)]
    [InlineData("dists/sample/InRelease", 2)]
    [InlineData("dists/sample/Release.gpg", 2)]
    public void Orders_files_the_way_apt_needs(string path, int tier) => Assert.Equal(tier, AptPublishOrder.Tier(path));
}
