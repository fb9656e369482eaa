using System.Globalization;
using Sync.Core.Streams;

namespace Sync.Transport.Udp;

/// <summary>
/// One part of a generation's stream held in the inside's UDP inbox (see <see cref="StreamPart"/>): named after its
/// stream, `gNNNNNNNN-bNNNNNNNN-STREAMID.pNNNNNN.part` (the part's index), beside `.pNNNNNN.desc` (the part session's
/// descriptor, which says where the part sits in the stream). No `.stream` name, so nothing that lists whole streams
/// ever takes a part for one. These names are on disk across upgrades: they never change.
/// </summary>
public sealed record UdpPartFile(long Generation, long BaseGeneration, string StreamIdHex, int Index, string PartPath)
{
    /// <summary>The highest part index a name holds (six digits); a stream of 1 MiB parts has fewer than that up to a terabyte.</summary>
    public const int MaxIndex = 999_999;

    internal const string PartExtension = ".part";

    public string DescriptorPath => Path.ChangeExtension(PartPath, UdpStreamFile.DescriptorExtension);

    public string Describe => Description(UdpStreamFile.Description(Generation, BaseGeneration), Index);

    internal static string Description(string stream, int index) => string.Create(CultureInfo.InvariantCulture, $"{stream} part {index}");

    /// <summary>The file name of part <paramref name="index"/> of the stream <paramref name="header"/> starts.</summary>
    internal static string Name(DeltaHeader header, int index) => Name(UdpStreamFile.Stem(header), index);

    internal static string Name(string streamStem, int index) => string.Create(CultureInfo.InvariantCulture, $"{streamStem}.p{index:D6}{PartExtension}");

    /// <summary>Reads a part file's name; false for any other file (a stream, a descriptor, a temporary, a stranger).</summary>
    internal static bool TryParse(string fileName, out long generation, out long baseGeneration, out string streamIdHex, out int index)
    {
        generation = baseGeneration = index = 0;
        streamIdHex = string.Empty;
        if (!fileName.EndsWith(PartExtension, StringComparison.Ordinal))
        {
            return false;
        }

        var withoutExtension = fileName[..^PartExtension.Length];
        var dot = withoutExtension.LastIndexOf('.');
        return dot > 0 && withoutExtension.Length - dot == 8 && withoutExtension[dot + 1] == 'p' &&
            int.TryParse(withoutExtension.AsSpan(dot + 2), NumberStyles.None, CultureInfo.InvariantCulture, out index) &&
            UdpStreamFile.TryParse(withoutExtension[..dot] + UdpStreamFile.StreamExtension, out generation, out baseGeneration, out streamIdHex);
    }
}
