using System.Runtime.InteropServices;

namespace Sync.Core.Compression;

/// <summary>
/// The system zlib (libz.so.1), which reprepro, apt-ftparchive and dak compress with. .NET's own deflate is a bundled
/// zlib-ng whose output differs, so it cannot reproduce their files.
/// </summary>
internal static unsafe partial class ZlibNative
{
    public const string Library = "libz.so.1";
    public const int Deflated = 8;
    public const int NoFlush = 0;
    public const int Finish = 4;
    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int BufError = -5;

    // zlib checks only the major digit and the struct size it was built with.
    private static ReadOnlySpan<byte> Version => "1.2.11\0"u8;

    [LibraryImport(Library, EntryPoint = "deflateInit2_")]
    private static partial int DeflateInit2(ZStream* stream, int level, int method, int windowBits, int memLevel, int strategy, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "deflate")]
    public static partial int Deflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "deflateEnd")]
    public static partial int DeflateEnd(ZStream* stream);

    public static int DeflateInit(ZStream* stream, int level, int windowBits, int memLevel, int strategy)
    {
        fixed (byte* version = Version)
        {
            return DeflateInit2(stream, level, Deflated, windowBits, memLevel, strategy, version, sizeof(ZStream));
        }
    }
}

/// <summary>zlib's z_stream on LP64 (uLong is 64 bits, uInt 32).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZStream
{
    public byte* NextIn;
    public uint AvailIn;
    public nuint TotalIn;
    public byte* NextOut;
    public uint AvailOut;
    public nuint TotalOut;
    public nint Message;
    public nint State;
    public nint Alloc;
    public nint Free;
    public nint Opaque;
    public int DataType;
    public nuint Adler;
    public nuint Reserved;
}
