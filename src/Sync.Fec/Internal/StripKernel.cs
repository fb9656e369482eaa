using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>
/// The hot loops of the codec: multiply input strips into every output row of a scratch strip,
/// <c>output[o] (^)= constant(input, o) * input</c>, one input at a time or four at once. An input is loaded and
/// split into nibbles once for all outputs, so the per-output cost is two table shuffles (AVX2, Vector128) or one affine
/// transform (GFNI) plus the accumulate; summing four inputs before touching a scratch row divides the scratch
/// loads and stores by four. Callers keep the scratch strip small enough to stay in L1.
/// Vector paths need <c>width</c> to be a multiple of 32; callers pad the input tail with zeros.
/// Stateless and thread-safe.
/// </summary>
internal static unsafe class StripKernel
{
    /// <summary>The width unit of every vector path; the 128-bit path takes it in two steps.</summary>
    public const int VectorBytes = 32;

    /// <param name="path">Instruction set to use; the caller has checked it is supported.</param>
    /// <param name="input">Start of the input strip.</param>
    /// <param name="width">Bytes to process; a multiple of <see cref="VectorBytes"/> except on the scalar path.</param>
    /// <param name="output">Row 0 of the scratch strip; row o starts at <c>output + o * outputStride</c>.</param>
    /// <param name="outputStride">Distance between scratch rows.</param>
    /// <param name="constants">The input's row of constants.</param>
    /// <param name="columns">For each output row, which column of <paramref name="constants"/> multiplies it.</param>
    /// <param name="outputCount">Number of output rows.</param>
    /// <param name="accumulate">XOR into the rows (true) or overwrite them (false, for the first input).</param>
    public static void MultiplyIntoRows(
        KernelPath path, byte* input, int width, byte* output, int outputStride, RowPointers constants, int* columns, int outputCount, bool accumulate)
    {
        switch (path)
        {
            case KernelPath.Gfni:
                MultiplyIntoRows256<GfniProduct256, Vector256<byte>, Vector256<byte>>(
                    input, width, output, outputStride, constants, columns, outputCount, accumulate);
                break;
            case KernelPath.Avx2:
                MultiplyIntoRows256<NibbleProduct256, (Vector256<byte>, Vector256<byte>), (Vector256<byte>, Vector256<byte>)>(
                    input, width, output, outputStride, constants, columns, outputCount, accumulate);
                break;
            case KernelPath.Vector128:
                SplitNibble128(input, width, output, outputStride, constants.NibbleTables, columns, outputCount, accumulate);
                break;
            default:
                Scalar(input, width, output, outputStride, constants.Coefficients, columns, outputCount, accumulate);
                break;
        }
    }

    /// <summary>Inputs the grouped kernels take at once: each output row is loaded and stored once per group.</summary>
    public const int GroupSize = 4;

    /// <summary>
    /// As <see cref="MultiplyIntoRows"/> for <see cref="GroupSize"/> inputs at once, on the vector paths only.
    /// Summing four products before touching the scratch row cuts the loads and stores of the accumulators,
    /// which otherwise bound the loop, by four.
    /// </summary>
    public static void MultiplyGroupIntoRows(
        KernelPath path, byte** inputs, int width, byte* output, int outputStride, RowPointers* constants, int* columns, int outputCount, bool accumulate)
    {
        switch (path)
        {
            case KernelPath.Gfni:
                Gfni256Group(inputs, width, output, outputStride, constants, columns, outputCount, accumulate);
                break;
            case KernelPath.Avx2:
                SplitNibbleGroup<Avx2Nibbles, Vector256<byte>>(inputs, width, output, outputStride, constants, columns, outputCount, accumulate);
                break;
            default:
                SplitNibbleGroup<Vector128Nibbles, Vector128<byte>>(inputs, width, output, outputStride, constants, columns, outputCount, accumulate);
                break;
        }
    }

    /// <summary>The grouped split-nibble kernel, compiled once per vector width (<see cref="INibbleVector{TVector}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SplitNibbleGroup<TNibbles, TVector>(
        byte** inputs, int width, byte* output, int outputStride, RowPointers* constants, int* columns, int outputCount, bool accumulate)
        where TNibbles : struct, INibbleVector<TVector>
        where TVector : struct
    {
        var lowMask = TNibbles.LowMask;
        byte* input0 = inputs[0], input1 = inputs[1], input2 = inputs[2], input3 = inputs[3];
        byte* tables0 = constants[0].NibbleTables, tables1 = constants[1].NibbleTables;
        byte* tables2 = constants[2].NibbleTables, tables3 = constants[3].NibbleTables;
        for (var p = 0; p < width; p += TNibbles.Bytes)
        {
            var in0 = TNibbles.Load(input0 + p);
            var in1 = TNibbles.Load(input1 + p);
            var in2 = TNibbles.Load(input2 + p);
            var in3 = TNibbles.Load(input3 + p);
            var low0 = TNibbles.LowNibbles(in0, lowMask);
            var high0 = TNibbles.HighNibbles(in0, lowMask);
            var low1 = TNibbles.LowNibbles(in1, lowMask);
            var high1 = TNibbles.HighNibbles(in1, lowMask);
            var low2 = TNibbles.LowNibbles(in2, lowMask);
            var high2 = TNibbles.HighNibbles(in2, lowMask);
            var low3 = TNibbles.LowNibbles(in3, lowMask);
            var high3 = TNibbles.HighNibbles(in3, lowMask);
            var row = output + p;
            for (var o = 0; o < outputCount; o++, row += outputStride)
            {
                var offset = (nint)columns[o] << 5;
                var sum = TNibbles.Product(tables0, offset, low0, high0);
                sum = TNibbles.Xor(sum, TNibbles.Product(tables1, offset, low1, high1));
                sum = TNibbles.Xor(sum, TNibbles.Product(tables2, offset, low2, high2));
                sum = TNibbles.Xor(sum, TNibbles.Product(tables3, offset, low3, high3));
                if (accumulate)
                {
                    sum = TNibbles.Xor(sum, TNibbles.Load(row));
                }

                TNibbles.Store(row, sum);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SplitNibble128(byte* input, int width, byte* output, int outputStride, byte* nibbleTables, int* columns, int outputCount, bool accumulate)
    {
        var lowMask = Vector128.Create((byte)0x0F);
        for (var p = 0; p < width; p += Vector128Nibbles.Bytes)
        {
            var in0 = Vector128.Load(input + p);
            var low0 = Vector128Nibbles.LowNibbles(in0, lowMask);
            var high0 = Vector128Nibbles.HighNibbles(in0, lowMask);
            var row = output + p;
            for (var o = 0; o < outputCount; o++, row += outputStride)
            {
                var product = Vector128Nibbles.Product(nibbleTables, (nint)columns[o] << 5, low0, high0);
                if (accumulate)
                {
                    product ^= Vector128.Load(row);
                }

                product.Store(row);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gfni256Group(
        byte** inputs, int width, byte* output, int outputStride, RowPointers* constants, int* columns, int outputCount, bool accumulate)
    {
        byte* input0 = inputs[0], input1 = inputs[1], input2 = inputs[2], input3 = inputs[3];
        ulong* matrices0 = constants[0].Matrices, matrices1 = constants[1].Matrices;
        ulong* matrices2 = constants[2].Matrices, matrices3 = constants[3].Matrices;
        for (var p = 0; p < width; p += VectorBytes)
        {
            var in0 = Avx.LoadVector256(input0 + p);
            var in1 = Avx.LoadVector256(input1 + p);
            var in2 = Avx.LoadVector256(input2 + p);
            var in3 = Avx.LoadVector256(input3 + p);
            var row = output + p;
            for (var o = 0; o < outputCount; o++, row += outputStride)
            {
                var column = columns[o];
                var sum = Avx2.Xor(
                    Gfni.V256.GaloisFieldAffineTransform(in0, Vector256.Create(matrices0[column]).AsByte(), 0),
                    Gfni.V256.GaloisFieldAffineTransform(in1, Vector256.Create(matrices1[column]).AsByte(), 0));
                sum = Avx2.Xor(sum, Avx2.Xor(
                    Gfni.V256.GaloisFieldAffineTransform(in2, Vector256.Create(matrices2[column]).AsByte(), 0),
                    Gfni.V256.GaloisFieldAffineTransform(in3, Vector256.Create(matrices3[column]).AsByte(), 0)));
                if (accumulate)
                {
                    sum = Avx2.Xor(sum, Avx.LoadVector256(row));
                }

                Avx.Store(row, sum);
            }
        }
    }

    /// <summary>Eight lookups per 64-bit load and store, so the row is read and written a word at a time.</summary>
    private static void Scalar(byte* input, int width, byte* output, int outputStride, byte* coefficients, int* columns, int outputCount, bool accumulate)
    {
        fixed (byte* products = GaloisField.ProductTable)
        {
            for (var o = 0; o < outputCount; o++)
            {
                var product = products + (coefficients[columns[o]] << 8);
                var row = output + (nint)o * outputStride;
                var p = 0;
                for (; p + sizeof(ulong) <= width; p += sizeof(ulong))
                {
                    var bytes = Unsafe.ReadUnaligned<ulong>(input + p);
                    var word = (ulong)product[(byte)bytes]
                        | (ulong)product[(byte)(bytes >> 8)] << 8
                        | (ulong)product[(byte)(bytes >> 16)] << 16
                        | (ulong)product[(byte)(bytes >> 24)] << 24
                        | (ulong)product[(byte)(bytes >> 32)] << 32
                        | (ulong)product[(byte)(bytes >> 40)] << 40
                        | (ulong)product[(byte)(bytes >> 48)] << 48
                        | (ulong)product[(byte)(bytes >> 56)] << 56;
                    if (accumulate)
                    {
                        word ^= Unsafe.ReadUnaligned<ulong>(row + p);
                    }

                    Unsafe.WriteUnaligned(row + p, word);
                }

                for (; p < width; p++)
                {
                    row[p] = (byte)((accumulate ? row[p] : 0) ^ product[input[p]]);
                }
            }
        }
    }

    /// <summary>
    /// The single-input kernel on 256-bit vectors, two vectors a step so each row's constant is made ready once per
    /// 64 bytes. <typeparamref name="TProduct"/> is a struct, so split nibble and GFNI each get code of their own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyIntoRows256<TProduct, TInput, TConstant>(
        byte* input, int width, byte* output, int outputStride, RowPointers constants, int* columns, int outputCount, bool accumulate)
        where TProduct : struct, IProduct256<TInput, TConstant>
        where TInput : struct
        where TConstant : struct
    {
        var p = 0;
        for (; p + 2 * VectorBytes <= width; p += 2 * VectorBytes)
        {
            var in0 = TProduct.Split(input + p);
            var in1 = TProduct.Split(input + p + VectorBytes);
            var row = output + p;
            for (var o = 0; o < outputCount; o++, row += outputStride)
            {
                var constant = TProduct.Constant(constants, columns[o]);
                var product0 = TProduct.Multiply(in0, constant);
                var product1 = TProduct.Multiply(in1, constant);
                if (accumulate)
                {
                    product0 = Avx2.Xor(product0, Avx.LoadVector256(row));
                    product1 = Avx2.Xor(product1, Avx.LoadVector256(row + VectorBytes));
                }

                Avx.Store(row, product0);
                Avx.Store(row + VectorBytes, product1);
            }
        }

        if (p < width)
        {
            var in0 = TProduct.Split(input + p);
            var row = output + p;
            for (var o = 0; o < outputCount; o++, row += outputStride)
            {
                var product0 = TProduct.Multiply(in0, TProduct.Constant(constants, columns[o]));
                if (accumulate)
                {
                    product0 = Avx2.Xor(product0, Avx.LoadVector256(row));
                }

                Avx.Store(row, product0);
            }
        }
    }

    /// <summary>One path's product of 32 input bytes by a row's constant, in the steps the loop above hoists apart.</summary>
    private interface IProduct256<TInput, TConstant>
        where TInput : struct
        where TConstant : struct
    {
        /// <summary>Loads 32 input bytes in the form every row's product reads.</summary>
        static abstract TInput Split(byte* input);

        static abstract TConstant Constant(RowPointers constants, int column);

        static abstract Vector256<byte> Multiply(TInput input, TConstant constant);
    }

    /// <summary>VPSHUFB: the input as its low and high nibbles, the constant as its two 16-entry tables in both lanes.</summary>
    private readonly struct NibbleProduct256 : IProduct256<(Vector256<byte> Low, Vector256<byte> High), (Vector256<byte> Low, Vector256<byte> High)>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<byte> Low, Vector256<byte> High) Split(byte* input)
        {
            var value = Avx.LoadVector256(input);
            return (Avx2Nibbles.LowNibbles(value, Avx2Nibbles.LowMask), Avx2Nibbles.HighNibbles(value, Avx2Nibbles.LowMask));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<byte> Low, Vector256<byte> High) Constant(RowPointers constants, int column)
        {
            var tables = constants.NibbleTables + ((nint)column << 5);
            return (Avx2Nibbles.LoadTable(tables), Avx2Nibbles.LoadTable(tables + 16));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Multiply((Vector256<byte> Low, Vector256<byte> High) input, (Vector256<byte> Low, Vector256<byte> High) tables) =>
            Avx2.Xor(Avx2Nibbles.Shuffle(tables.Low, input.Low), Avx2Nibbles.Shuffle(tables.High, input.High));
    }

    /// <summary>GF2P8AFFINEQB: the input as loaded, the constant as its bit matrix in every lane.</summary>
    private readonly struct GfniProduct256 : IProduct256<Vector256<byte>, Vector256<byte>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Split(byte* input) => Avx.LoadVector256(input);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Constant(RowPointers constants, int column) => Vector256.Create(constants.Matrices[column]).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Multiply(Vector256<byte> input, Vector256<byte> matrix) => Gfni.V256.GaloisFieldAffineTransform(input, matrix, 0);
    }
}
