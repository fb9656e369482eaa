using System.Text;
using Sync.Core.Verification;

namespace Sync.Core.Tests.Verification;

/// <summary>The Release/InRelease header fields `status` reports: Suite, Codename, Date, Valid-Until as apt writes them.</summary>
public sealed class ReleaseHeaderTests
{
    [Fact]
    public void A_Release_file_gives_its_suite_codename_and_dates_in_UTC()
    {
        var header = Parse("Origin: Debian\nSuite: stable\nCodename: bookworm\nDate: Sat, 05 Dec 2026 08:00:00 UTC\nValid-Until: Sat, 12 Dec 2026 08:00:00 UTC\nMD5Sum:\n 0123 12 main/x\n");

        Assert.Equal("stable", header.Suite);
        Assert.Equal("bookworm", header.Codename);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero), header.Date);
        Assert.Equal(new DateTimeOffset(2026, 12, 12, 8, 0, 0, TimeSpan.Zero), header.ValidUntil);
        Assert.Equal(TimeSpan.Zero, header.ValidUntil!.Value.Offset);
    }

    [Fact]
    public void An_InRelease_file_is_read_past_its_armour_header_and_not_into_its_signature()
    {
        var header = Parse("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nSuite: noble\nValid-Until: Sun, 6 Dec 2026 10:30:00 +0200\n" +
            "SHA256:\n abc 1 main/y\n-----BEGIN PGP SIGNATURE-----\n\nSuite: forged\n-----END PGP SIGNATURE-----\n");

        Assert.Equal("noble", header.Suite);
        Assert.Null(header.Codename);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 8, 30, 0, TimeSpan.Zero), header.ValidUntil);
    }

    [Theory]
    [InlineData("Sat, 05 Dec 2026 08:00:00 GMT", "2026-12-05T08:00:00Z")]
    [InlineData("Sat, 5 Dec 2026 08:00:00 Z", "2026-12-05T08:00:00Z")]
    [InlineData("Sat, 05 Dec 2026 08:00:00 -0130", "2026-12-05T09:30:00Z")]
    [InlineData("05 Dec 2026 08:00:00 UTC", "2026-12-05T08:00:00Z")]
    public void Dates_in_the_forms_archives_write_are_read(string text, string utc)
    {
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), ReleaseHeader.ParseDate(text));
    }

    [Theory]
    [InlineData("tomorrow")]
    [InlineData("Sat, 05 Dec 2026 08:00:00 CEST")]
    [InlineData("Sat, 05 Dec 2026 08:00:00 +2500")]
    [InlineData("Sat, 32 Dec 2026 08:00:00 UTC")]
    [InlineData("")]
    public void A_date_apt_would_not_read_is_null_and_its_text_kept(string text)
    {
        Assert.Null(ReleaseHeader.ParseDate(text));
        var header = Parse($"Suite: s\nValid-Until: {text}\n");
        Assert.Null(header.ValidUntil);
        Assert.Equal(text.Length == 0 ? string.Empty : text, header.ValidUntilText);
    }

    [Fact]
    public void A_file_without_fields_has_no_header()
    {
        Assert.Null(ReleaseHeader.Parse("\n\n"u8));
        Assert.Null(ReleaseHeader.Parse([]));
    }

    private static ReleaseHeader Parse(string text) => ReleaseHeader.Parse(Encoding.UTF8.GetBytes(text)) ?? throw new InvalidOperationException("no header");
}
