using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// How a decode splits its n-point transforms so each step works on a cache-sized set of slots. The bottom
/// <see cref="BottomLayers"/> layers run per contiguous block of <see cref="BlockSize"/> slots; the top
/// <see cref="TopLayers"/> run per strided group of <see cref="Blocks"/> slots (one slot of each block), a group being
/// small enough to stay in L2 while the inverse's top layers, the derivative and the forward's top layers pass
/// over it. (The four-step FFT of Bailey's, for an additive FFT: the top layers' twiddles depend only on the block,
/// so every group runs the same transform.)
/// Layout: each block's slots are contiguous, and each block is followed by one spare cache line. Without it a
/// group's slots sit 2^bottom slots apart, a multiple of 64 cache lines, and fall into a sixteenth of L2's sets
/// (1472-byte slots in blocks of 64: only 128 of a group's 256 slots fit, so a group that fits L2 by size thrashed
/// it); with it they are an odd number of lines apart and spread over every set.
/// </summary>
internal readonly unsafe struct FourStep
{
    /// <summary>Bytes a group should fit in: half of a 1 MiB L2, a quarter of 2 MiB.</summary>
    public const int GroupBytes = 384 * 1024;

    private const int Line = 64;

    private readonly int _stride;

    public FourStep(int n, int stride)
    {
        _stride = stride;
        var layers = BitOperations.Log2((uint)n);
        var bottom = 0;
        while (bottom < layers && ((long)n >> bottom) * stride > GroupBytes)
        {
            bottom++;
        }

        BottomLayers = bottom;
        TopLayers = layers - bottom;
    }

    public int BottomLayers { get; }

    public int TopLayers { get; }

    public int BlockSize => 1 << BottomLayers;

    public int Blocks => 1 << TopLayers;

    /// <summary>Distance between the slots of a group: a block and its spare line.</summary>
    public nint GroupStride => ((nint)_stride << BottomLayers) + Line;

    /// <summary>Bytes of the work buffer: every slot and one spare line per block.</summary>
    public long BufferBytes => (long)_stride * (BlockSize * (long)Blocks) + (long)Blocks * Line;

    public byte* Slot(byte* work, int position) => work + (nint)position * _stride + (nint)(position >> BottomLayers) * Line;
}
