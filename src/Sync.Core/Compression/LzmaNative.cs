using System.Runtime.InteropServices;

namespace Sync.Core.Compression;

/// <summary>The system liblzma (liblzma.so.5), which xz and apt-ftparchive compress with.</summary>
internal static unsafe partial class LzmaNative
{
    public const string Library = "liblzma.so.5";
    public const uint PresetExtreme = 0x80000000;
    public const int Run = 0;
    public const int Finish = 3;
    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int BufError = 10;

    /// <summary>lzma_stream_decoder flag: read every concatenated stream (APT's empty one after the data included).</summary>
    public const uint Concatenated = 0x08;

    [LibraryImport(Library, EntryPoint = "lzma_easy_encoder")]
    public static partial int EasyEncoder(LzmaStream* stream, uint preset, int check);

    [LibraryImport(Library, EntryPoint = "lzma_code")]
    public static partial int Code(LzmaStream* stream, int action);

    [LibraryImport(Library, EntryPoint = "lzma_easy_encoder_memusage")]
    public static partial ulong EasyEncoderMemusage(uint preset);

    [LibraryImport(Library, EntryPoint = "lzma_stream_decoder")]
    public static partial int StreamDecoder(LzmaStream* stream, ulong memlimit, uint flags);

    [LibraryImport(Library, EntryPoint = "lzma_end")]
    public static partial void End(LzmaStream* stream);
}

/// <summary>liblzma's lzma_stream on LP64; LZMA_STREAM_INIT is all zeros.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LzmaStream
{
    public byte* NextIn;
    public nuint AvailIn;
    public ulong TotalIn;
    public byte* NextOut;
    public nuint AvailOut;
    public ulong TotalOut;
    public nint Allocator;
    public nint Internal;
    public nint Reserved1;
    public nint Reserved2;
    public nint Reserved3;
    public nint Reserved4;
    public ulong SeekPosition;
    public ulong ReservedInt2;
    public nuint ReservedInt3;
    public nuint ReservedInt4;
    public int ReservedEnum1;
    public int ReservedEnum2;
}
