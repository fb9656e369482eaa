using Sync.Transport.FileDrop;

namespace Sync.Core.Tests.FileDrop;

public sealed class VolumeSizeTests
{
    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("64K", 64L << 10)]
    [InlineData("64k", 64L << 10)]
    [InlineData("64KB", 64L << 10)]
    [InlineData("64KiB", 64L << 10)]
    [InlineData("650M", 650L << 20)]
    [InlineData("650 MiB", 650L << 20)]
    [InlineData("4.7G", 5046586572L)]
    [InlineData(" 4.7g ", 5046586572L)]
    [InlineData("1T", 1L << 40)]
    [InlineData("0.5K", 512L)]
    [InlineData("100B", 100L)]
    public void Parses_sizes(string text, long expected) => Assert.Equal(expected, VolumeSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("-1G")]
    [InlineData("1.2.3M")]
    [InlineData("12X")]
    [InlineData("1e3")]
    [InlineData("1024iB")]
    [InlineData("0")]
    [InlineData("0.0001K")]
    [InlineData("9999999999999T")]
    [InlineData("79228162514264337593543950335T")]
    [InlineData("1,5G")]
    [InlineData("1 G B")]
    public void Refuses_anything_else_with_a_clear_message(string text)
    {
        var e = Assert.Throws<FormatException>(() => VolumeSize.Parse(text));
        Assert.Contains(text.Trim().Length == 0 ? "''" : text, e.Message);
        Assert.Contains("650M", e.Message);
    }
}
