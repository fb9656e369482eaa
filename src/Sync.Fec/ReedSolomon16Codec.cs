using System.Buffers;
using System.Numerics;
using Sync.Fec.Internal;

namespace Sync.Fec;

/// <summary>
/// Systematic MDS Reed-Solomon erasure code over GF(2^16) with FFT encode and decode (the Leopard construction):
/// blocks of up to tens of thousands of symbols, O(n log n). A block of <see cref="DataSymbols"/> equal-length data
/// symbols has repair symbols numbered 0 .. <see cref="MaxRepairSymbols"/> - 1; any <see cref="DataSymbols"/> of its
/// symbols rebuild it. Repairs 0 .. <see cref="RepairSymbols"/> - 1 are the cheap ones a first pass sends; every
/// later index is a fresh repair for later passes and the carousel. Symbols are a multiple of 64 bytes long.
/// Thread-safe after construction.
/// </summary>
/// <remarks>
/// The code: let W be <see cref="RepairSymbols"/> rounded up to a power of two and N the power of two at or above
/// W + k. The codeword is the polynomial P of degree &lt; N - W, evaluated at the field points ω_x (Cantor
/// coordinates): data symbol i is P(ω_(W+i)), positions W + k .. N - 1 hold zero, repair j is P(ω_j) for j &lt; W and
/// P(ω_(N + j - W)) beyond. Because the sum over W-sized cosets of their inverse transforms is zero for such P,
/// the W repairs come from the data alone: the inverse FFT of each W-sized chunk of data, summed, then one forward
/// FFT (k/2·log W butterflies per block). Fresh repairs need P's full coefficients (the chunk transforms plus the
/// upper layers of an N-point inverse FFT), then a forward FFT onto their N-sized coset. Decode works over the
/// smallest domain [0, n) that holds the repairs it uses: it multiplies every known value by the error locator Λ,
/// inverse-transforms, takes the formal derivative, transforms back and divides by Λ' at the lost positions.
/// See docs/fec.md. Scratch comes from <see cref="ArrayPool{T}.Shared"/>; a call allocates nothing once the pool is warm.
/// </remarks>
public sealed class ReedSolomon16Codec
{
    /// <summary>Field points: data, every repair index and the zero padding share these 65,536.</summary>
    public const int FieldSize = Gf16.Order;

    /// <summary>Symbol lengths are a multiple of this: each 64 bytes hold the low bytes, then the high bytes, of 32 words.</summary>
    public const int SymbolAlignment = 64;

    private readonly Gf16CodeShape _shape;
    private readonly Gf16Encoder _encoder;
    private readonly Gf16Decoder _decoder;

    public ReedSolomon16Codec(int dataSymbols, int repairSymbols)
        : this(dataSymbols, repairSymbols, Gf16Paths.Best)
    {
    }

    /// <summary>Forces a kernel path, so tests and benchmarks can exercise every path the CPU has, not only the best.</summary>
    internal ReedSolomon16Codec(int dataSymbols, int repairSymbols, Gf16Path path)
    {
        if (dataSymbols < 1 || repairSymbols < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dataSymbols), $"need k >= 1 and r >= 0 (k={dataSymbols}, r={repairSymbols})");
        }

        if ((long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(repairSymbols, 1)) + dataSymbols > FieldSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(dataSymbols), $"k plus r rounded up to a power of two must be at most {FieldSize} (k={dataSymbols}, r={repairSymbols})");
        }

        if (!Gf16Paths.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"this CPU cannot run the {path} kernels");
        }

        _shape = new Gf16CodeShape(dataSymbols, repairSymbols);
        var engine = Gf16Engine.For(path);
        _encoder = new Gf16Encoder(_shape, engine);
        _decoder = new Gf16Decoder(_shape, engine);
        RepairSymbols = repairSymbols;
        Path = path;
    }

    public int DataSymbols => _shape.DataSymbols;

    /// <summary>The repairs of a first pass; indices from here on are fresh repairs.</summary>
    public int RepairSymbols { get; }

    /// <summary>
    /// Every repair index of this code: <see cref="RepairSymbols"/> rounded up to a power of two W, plus one for each
    /// field point past the first domain N (the power of two at or above W + k), i.e. W + 65536 - N.
    /// </summary>
    public int MaxRepairSymbols => _shape.MaxRepairSymbols;

    internal Gf16Path Path { get; }

    /// <summary>
    /// Whether a code of <paramref name="dataSymbols"/> data and <paramref name="repairSymbols"/> first-pass repair
    /// symbols fits the field (k plus r rounded up to a power of two at most 65,536): what the constructor requires.
    /// </summary>
    public static bool Fits(int dataSymbols, int repairSymbols) =>
        dataSymbols >= 1 && repairSymbols >= 0 && repairSymbols <= FieldSize &&
        (long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(repairSymbols, 1)) + dataSymbols <= FieldSize;

    /// <summary><see cref="MaxRepairSymbols"/> of the code a constructor call with these arguments makes, without making it.</summary>
    public static int MaxRepairSymbolsFor(int dataSymbols, int repairSymbols) =>
        Fits(dataSymbols, repairSymbols)
            ? new Gf16CodeShape(dataSymbols, repairSymbols).MaxRepairSymbols
            : throw new ArgumentOutOfRangeException(nameof(dataSymbols), $"k={dataSymbols}, r={repairSymbols} does not fit GF(2^16)");

    internal Gf16CodeShape Shape => _shape;

    /// <summary>
    /// Computes the repair symbols numbered <paramref name="repairIndices"/> (each in [0, MaxRepairSymbols), any order,
    /// no repeats). Every data symbol and every output has the same length, a multiple of 64 bytes.
    /// </summary>
    public void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs)
    {
        var symbolLength = RequireAligned(CodecArguments.CheckEncode(data, DataSymbols, repairIndices, SymbolSpans.AsReadOnly(repairs), MaxRepairSymbols));
        if (repairs.Length == 0 || symbolLength == 0)
        {
            return;
        }

        var positionsArray = ArrayPool<int>.Shared.Rent(repairs.Length);
        try
        {
            var positions = positionsArray.AsSpan(0, repairs.Length);
            for (var n = 0; n < positions.Length; n++)
            {
                positions[n] = _shape.RepairPosition(repairIndices[n]);
            }

            _encoder.Encode(data, positions, repairs, symbolLength);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(positionsArray);
        }
    }

    /// <summary>
    /// Rebuilds the lost data symbols in place: <paramref name="present"/>[i] says whether <paramref name="data"/>[i]
    /// holds a received symbol; the others are overwritten. Needs at least as many received repair symbols (with
    /// their indices; fresh ones count the same) as there are lost data symbols; it uses the ones with the lowest
    /// indices and ignores the rest. Throws <see cref="ArgumentException"/> when too few are given.
    /// </summary>
    public void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs)
    {
        var (symbolLength, lostCount) = CodecArguments.CheckDecode(SymbolSpans.AsReadOnly(data), present, DataSymbols, repairIndices, repairs, MaxRepairSymbols);
        if (RequireAligned(symbolLength) > 0 && lostCount > 0)
        {
            _decoder.Decode(data, present, repairIndices, repairs, lostCount, symbolLength);
        }
    }

    private static int RequireAligned(int symbolLength) => symbolLength % SymbolAlignment == 0
        ? symbolLength
        : throw new ArgumentException(
            $"symbols of {symbolLength} bytes: the GF(2^16) code needs a multiple of {SymbolAlignment} bytes, e.g. {(symbolLength / SymbolAlignment + 1) * SymbolAlignment} (pad the symbols)",
            "data");
}
