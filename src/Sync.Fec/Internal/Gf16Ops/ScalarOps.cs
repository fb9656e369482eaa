using System.Runtime.CompilerServices;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>Log/exp per 16-bit word: the reference path, and the one for CPUs without byte shuffles.</summary>
internal readonly unsafe struct ScalarOps : IGf16Ops<ScalarOps.Unit, ScalarOps.Constant>
{
    /// <summary>The 32 words of a unit, put together from their low and high bytes.</summary>
    [InlineArray(32)]
    public struct Unit
    {
        private ushort _word;
    }

    public readonly struct Constant(ushort value)
    {
        public readonly bool IsZero = value == 0;
        public readonly int Log = value == 0 ? 0 : Gf16.Log(value);
    }

    public static Constant Prepare(ushort constant) => new(constant);

    public static void Prefetch(ushort constant)
    {
    }

    public static Unit Load(byte* source)
    {
        var unit = default(Unit);
        for (var j = 0; j < 32; j++)
        {
            unit[j] = (ushort)(source[j] | source[32 + j] << 8);
        }

        return unit;
    }

    public static void Store(byte* destination, Unit value)
    {
        for (var j = 0; j < 32; j++)
        {
            destination[j] = (byte)value[j];
            destination[32 + j] = (byte)(value[j] >> 8);
        }
    }

    public static Unit Xor(Unit left, Unit right)
    {
        for (var j = 0; j < 32; j++)
        {
            left[j] ^= right[j];
        }

        return left;
    }

    public static Unit Multiply(Unit value, in Constant c)
    {
        if (c.IsZero)
        {
            return default;
        }

        var log = Gf16.LogTable;
        var exp = Gf16.ExpTable;
        for (var j = 0; j < 32; j++)
        {
            var word = value[j];
            value[j] = word == 0 ? (ushort)0 : exp[log[word] + c.Log];
        }

        return value;
    }
}
