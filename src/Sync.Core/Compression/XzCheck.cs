namespace Sync.Core.Compression;

/// <summary>liblzma's check ids (lzma_check).</summary>
public static class XzCheck
{
    public const int None = 0;
    public const int Crc32 = 1;
    public const int Crc64 = 4;
    public const int Sha256 = 10;
}
