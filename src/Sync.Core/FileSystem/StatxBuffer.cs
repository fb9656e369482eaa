using Sync.Core.Posix;
using System.Runtime.InteropServices;

namespace Sync.Core.FileSystem;

/// <summary>Reads the fields of a struct statx the apply path needs.</summary>
internal static class StatxBuffer
{
    public const int Size = 256;
    public const uint BasicStats = 0x7ff;

    public static FileStatus Parse(ReadOnlySpan<byte> buffer)
    {
        var mode = MemoryMarshal.Read<ushort>(buffer[28..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => UnixFileKind.File,
            0x4000 => UnixFileKind.Directory,
            0xA000 => UnixFileKind.Symlink,
            _ => UnixFileKind.Other,
        };

        return new FileStatus(
            kind,
            mode & 0xFFF,
            (long)MemoryMarshal.Read<ulong>(buffer[40..]),
            ReadTimestamp(buffer[112..]),
            ReadTimestamp(buffer[96..]),
            MemoryMarshal.Read<ulong>(buffer[32..]),
            ((ulong)MemoryMarshal.Read<uint>(buffer[136..]) << 32) | MemoryMarshal.Read<uint>(buffer[140..]),
            MemoryMarshal.Read<uint>(buffer[16..]),
            MemoryMarshal.Read<uint>(buffer[20..]),
            MemoryMarshal.Read<uint>(buffer[24..]));
    }

    private static long ReadTimestamp(ReadOnlySpan<byte> ts) =>
        MemoryMarshal.Read<long>(ts) * 1_000_000_000L + MemoryMarshal.Read<uint>(ts[8..]);
}
