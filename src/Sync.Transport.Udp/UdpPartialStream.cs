namespace Sync.Transport.Udp;

/// <summary>
/// A stream the inbox holds parts of, part 0 among them, and not whole: enough to start applying it while the rest
/// arrives. <see cref="Indices"/> are the parts present when the inbox was listed, in order (more may arrive).
/// </summary>
public sealed record UdpPartialStream(long Generation, long BaseGeneration, string StreamIdHex, IReadOnlyList<int> Indices)
{
    public string Describe => UdpStreamFile.Description(Generation, BaseGeneration);

    /// <summary>The file name without extension its parts share (see <see cref="UdpPartFile"/>).</summary>
    internal string Stem => UdpStreamFile.Stem(Generation, BaseGeneration, StreamIdHex);
}
