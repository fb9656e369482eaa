namespace Sync.Fec.Internal;

/// <summary>
/// Feeds input strips of any width into a pinned scratch strip through <see cref="StripKernel"/>: groups of
/// inputs on the vector paths, one at a time otherwise, and a ragged tail (width not a multiple of 32) through
/// zero-padded copies so the vector loops never read past an input. Lives on the stack of one encode or decode.
/// </summary>
internal readonly unsafe ref struct StripAccumulator
{
    private readonly KernelPath _path;
    private readonly byte* _scratch;
    private readonly int _stride;
    private readonly int* _columns;
    private readonly int _outputs;

    // GroupSize zero-padded vectors for the tails of one group of inputs.
    private readonly byte* _tails;

    /// <param name="tails">Room for <see cref="TailBytes"/> bytes, pinned.</param>
    public StripAccumulator(KernelPath path, byte* scratch, int stride, int* columns, int outputs, byte* tails)
    {
        _path = path;
        _scratch = scratch;
        _stride = stride;
        _columns = columns;
        _outputs = outputs;
        _tails = tails;
    }

    public const int TailBytes = StripKernel.GroupSize * StripKernel.VectorBytes;

    public bool TakesGroups => _path != KernelPath.Scalar;

    /// <summary>Scratch rows (^)= constants(row) * input, for one input.</summary>
    public void Add(ReadOnlySpan<byte> input, RowPointers constants, bool accumulate)
    {
        var vectorWidth = _path == KernelPath.Scalar ? input.Length : input.Length & ~(StripKernel.VectorBytes - 1);
        fixed (byte* source = input)
        {
            StripKernel.MultiplyIntoRows(_path, source, vectorWidth, _scratch, _stride, constants, _columns, _outputs, accumulate);
        }

        if (vectorWidth < input.Length)
        {
            var padded = new Span<byte>(_tails, StripKernel.VectorBytes);
            padded.Clear();
            input[vectorWidth..].CopyTo(padded);
            StripKernel.MultiplyIntoRows(_path, _tails, StripKernel.VectorBytes, _scratch + vectorWidth, _stride, constants, _columns, _outputs, accumulate);
        }
    }

    /// <summary>Scratch rows (^)= the sum over four inputs of constants(row) * input; vector paths only.</summary>
    public void AddGroup(
        ReadOnlySpan<byte> input0, ReadOnlySpan<byte> input1, ReadOnlySpan<byte> input2, ReadOnlySpan<byte> input3,
        RowPointers* constants, bool accumulate)
    {
        var width = input0.Length;
        var vectorWidth = width & ~(StripKernel.VectorBytes - 1);
        var inputs = stackalloc byte*[StripKernel.GroupSize];
        fixed (byte* source0 = input0)
        fixed (byte* source1 = input1)
        fixed (byte* source2 = input2)
        fixed (byte* source3 = input3)
        {
            inputs[0] = source0;
            inputs[1] = source1;
            inputs[2] = source2;
            inputs[3] = source3;
            StripKernel.MultiplyGroupIntoRows(_path, inputs, vectorWidth, _scratch, _stride, constants, _columns, _outputs, accumulate);
        }

        if (vectorWidth < width)
        {
            var padded = new Span<byte>(_tails, TailBytes);
            padded.Clear();
            input0[vectorWidth..].CopyTo(padded);
            input1[vectorWidth..].CopyTo(padded[StripKernel.VectorBytes..]);
            input2[vectorWidth..].CopyTo(padded[(2 * StripKernel.VectorBytes)..]);
            input3[vectorWidth..].CopyTo(padded[(3 * StripKernel.VectorBytes)..]);
            for (var q = 0; q < StripKernel.GroupSize; q++)
            {
                inputs[q] = _tails + q * StripKernel.VectorBytes;
            }

            StripKernel.MultiplyGroupIntoRows(_path, inputs, StripKernel.VectorBytes, _scratch + vectorWidth, _stride, constants, _columns, _outputs, accumulate);
        }
    }
}
