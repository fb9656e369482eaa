using System.Globalization;
using Sync.Core.Streams;

namespace Sync.Transport.Udp;

/// <summary>
/// One generation stream kept on disk by the UDP carrier, in the outside's spool or the inside's inbox: both name it
/// the same way, `gNNNNNNNN-bNNNNNNNN-STREAMID.stream` (target and base generation, the 32 hex digits of the stream
/// id) beside `.desc` (its <see cref="UdpDescriptor"/>). These names are on disk across upgrades: they never change.
/// </summary>
public sealed record UdpStreamFile(long Generation, long BaseGeneration, string StreamIdHex, string StreamPath, long Length)
{
    internal const string StreamExtension = ".stream";
    internal const string DescriptorExtension = ".desc";

    public string DescriptorPath => Path.ChangeExtension(StreamPath, DescriptorExtension);

    /// <summary>The session id it is sent under (see <see cref="UdpDescriptor.SessionId"/>): the stream id's first 8 bytes.</summary>
    public ulong SessionId => BitConverter.ToUInt64(Convert.FromHexString(StreamIdHex.AsSpan(0, 16)));

    public string Describe => Description(Generation, BaseGeneration);

    internal static string Description(long generation, long baseGeneration) =>
        baseGeneration == 0 ? $"generation {generation} (full)" : $"generation {generation} (delta from {baseGeneration})";

    /// <summary>The file name without extension of the stream <paramref name="header"/> starts.</summary>
    internal static string Stem(DeltaHeader header) => Stem(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex);

    internal static string Stem(long generation, long baseGeneration, string streamIdHex) =>
        string.Create(CultureInfo.InvariantCulture, $"g{generation:D8}-b{baseGeneration:D8}-{streamIdHex}");

    /// <summary>Reads a stream file's name; false for any other file (a descriptor, a temporary, a stranger).</summary>
    internal static bool TryParse(string fileName, out long generation, out long baseGeneration, out string streamIdHex)
    {
        generation = baseGeneration = 0;
        streamIdHex = string.Empty;
        if (!fileName.StartsWith('g') || !fileName.EndsWith(StreamExtension, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = fileName[..^StreamExtension.Length].Split('-');
        if (parts.Length != 3 || parts[0].Length != 9 || parts[1].Length != 9 || parts[2].Length != 32 ||
            !long.TryParse(parts[0].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out generation) ||
            !long.TryParse(parts[1].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out baseGeneration))
        {
            return false;
        }

        streamIdHex = parts[2];
        return true;
    }

    /// <summary>Lowest generation first; a full stream before a delta of the same generation.</summary>
    internal static IReadOnlyList<UdpStreamFile> InOrder(IEnumerable<UdpStreamFile> files) =>
        files.OrderBy(e => e.Generation).ThenBy(e => e.BaseGeneration).ToList();
}
