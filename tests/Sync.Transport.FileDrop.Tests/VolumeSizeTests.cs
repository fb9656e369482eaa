using Sync.Transport.FileDrop;

namespace Sync.Transport.FileDrop.Tests;

public sealed class VolumeSizeTests
{
    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("64K", 64L << 10)]
    [InlineData("64k", 64L << 10)]
    [InlineData("64KB", 64_000L)]
    [InlineData("64kB", 64_000L)]
    [InlineData("64KiB", 64L << 10)]
    [InlineData("650M", 650L << 20)]
    [InlineData("650 MiB", 650L << 20)]
    [InlineData("650MB", 650_000_000L)]
    [InlineData("4.7GB", 4_700_000_000L)]
    [InlineData("4.7 GB", 4_700_000_000L)]
    [InlineData("4GiB", 4L << 30)]
    [InlineData("1TB", 1_000_000_000_000L)]
    [InlineData("1TiB", 1L << 40)]
    [InlineData("dvd", 4_700_372_992L - (16L << 20))]
    [InlineData("DVD", 4_700_372_992L - (16L << 20))]
    [InlineData("cd", 737_280_000L - (16L << 20))]
    [InlineData("dvd-dl", 8_543_666_176L - (16L << 20))]
    [InlineData("bd25", 25_025_314_816L - (16L << 20))]
    [InlineData("bd50", 50_050_629_632L - (16L << 20))]
    [InlineData("bd100", 100_103_356_416L - (16L << 20))]
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

    /// <summary>Issue 11: "--volume-size 4.7G" made 5.05 GB parts that no 4.7 GB DVD holds; each medium's name gives a part that fits it.</summary>
    [Fact]
    public void A_named_medium_or_its_decimal_label_gives_parts_that_fit_it_and_bare_G_stays_binary()
    {
        Assert.True(VolumeSize.Parse("4.7GB") <= 4_700_372_992L);
        Assert.True(VolumeSize.Parse("dvd") < 4_700_372_992L);
        Assert.True(VolumeSize.Parse("4.7G") > 4_700_372_992L);
    }

    [Theory]
    [InlineData("1K")]
    [InlineData("65535")]
    [InlineData("64KB")]
    public void A_size_below_the_minimum_is_refused_with_the_minimum(string text)
    {
        var e = Assert.Throws<FormatException>(() => VolumeSize.Parse(text, BundleWriter.MinimumVolumeSize));
        Assert.Contains("below the minimum of 65536 bytes (64 KiB)", e.Message);
        Assert.Equal(65536, VolumeSize.Parse("64KiB", BundleWriter.MinimumVolumeSize));
    }
}
