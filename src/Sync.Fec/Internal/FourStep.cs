using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// How a decode splits its n-point transforms so each step works on a cache-sized set of slots. The bottom
/// <see cref="BottomLayers"/> layers run per contiguous block of <see cref="BlockSize"/> slots; the top
/// <see cref="TopLayers"/> run per strided group of <see cref="Blocks"/> slots (one slot of each block), a group being
/// small enough to stay in L2 while the inverse's top layers, the derivative and the forward's top layers pass
/// over it. (The four-step FFT of Bailey's, for an additive FFT: the top layers' twiddles depend only on the block,
/// so every group runs the same transform.)
/// </summary>
internal readonly struct FourStep
{
    /// <summary>Bytes a group should fit in: half of a 1 MiB L2, a quarter of 2 MiB.</summary>
    public const int GroupBytes = 384 * 1024;

    public FourStep(int n, int stride)
    {
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
}
