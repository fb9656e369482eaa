namespace Sync.Fec.Internal;

/// <summary>
/// <c>dst ^= c * src</c> and <c>dst = c * src</c> over whole spans of any length, on a chosen path. The codec uses
/// <see cref="StripKernel"/> directly (many outputs per input); these single-constant forms exist for callers with
/// one product to take and for tests that pin each path against the product table.
/// </summary>
internal static unsafe class RegionKernels
{
    public static void MultiplyAdd(KernelPath path, byte constant, ReadOnlySpan<byte> source, Span<byte> destination) =>
        Run(path, constant, source, destination, accumulate: true);

    public static void Multiply(KernelPath path, byte constant, ReadOnlySpan<byte> source, Span<byte> destination) =>
        Run(path, constant, source, destination, accumulate: false);

    private static void Run(KernelPath path, byte constant, ReadOnlySpan<byte> source, Span<byte> destination, bool accumulate)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"source has {source.Length} bytes but destination has {destination.Length}", nameof(destination));
        }

        if (!KernelPaths.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"this CPU cannot run the {path} kernels");
        }

        Span<byte> nibbleTables = stackalloc byte[CoefficientRows.NibbleTableBytes];
        CoefficientRows.FillNibbleTables(constant, nibbleTables);
        var matrix = GfniMatrix.ForConstant(constant);
        var column = 0;
        var vectorWidth = path == KernelPath.Scalar ? source.Length : source.Length & ~(StripKernel.VectorBytes - 1);
        fixed (byte* input = source)
        fixed (byte* output = destination)
        fixed (byte* tables = nibbleTables)
        {
            var constants = new RowPointers(&constant, tables, &matrix);
            StripKernel.MultiplyIntoRows(path, input, vectorWidth, output, 0, constants, &column, 1, accumulate);
        }

        var product = GaloisField.ProductRow(constant);
        for (var p = vectorWidth; p < source.Length; p++)
        {
            destination[p] = (byte)((accumulate ? destination[p] : 0) ^ product[source[p]]);
        }
    }
}
