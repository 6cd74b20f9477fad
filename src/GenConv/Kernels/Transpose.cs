using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenConv.Kernels
{
    /// <summary>
    /// 8×8 blocks of floats transposed in registers: how convolution backward weights makes dY pixel-major (a gather of
    /// one float per channel per pixel otherwise costs as much as a small layer's weight gradients). Pure data movement,
    /// so every path gives the same bits.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Transpose
    {
        /// <summary>destination[c · destinationStride + r] = source[r · sourceStride + c] for r, c &lt; 8.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Block8x8(ref float source, int sourceStride, ref float destination, int destinationStride) =>
            BlockOfRows(ref source, sourceStride, 8, ref destination, destinationStride);

        /// <summary>
        /// <see cref="Block8x8"/> of the first <paramref name="rows"/> (a constant, 1 to 8) rows only, the missing rows
        /// transposed as zeros: each destination row still gets 8 floats, the last 8 − rows of them +0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void BlockOfRows(ref float source, int sourceStride, int rows, ref float destination, int destinationStride)
        {
            if (!Avx.IsSupported)
            {
                for (int r = 0; r < 8; r++)
                    for (int c = 0; c < 8; c++)
                        Unsafe.Add(ref destination, c * destinationStride + r) = r < rows ? Unsafe.Add(ref source, r * sourceStride + c) : 0f;
                return;
            }
            Vector256<float> r0 = Row(ref source, 0, sourceStride, rows), r1 = Row(ref source, 1, sourceStride, rows);
            Vector256<float> r2 = Row(ref source, 2, sourceStride, rows), r3 = Row(ref source, 3, sourceStride, rows);
            Vector256<float> r4 = Row(ref source, 4, sourceStride, rows), r5 = Row(ref source, 5, sourceStride, rows);
            Vector256<float> r6 = Row(ref source, 6, sourceStride, rows), r7 = Row(ref source, 7, sourceStride, rows);
            // Interleave pairs of rows, then pairs of pairs (within 128-bit lanes), then swap the lanes across.
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
            Store(Avx.Permute2x128(u0, u4, 0x20), ref destination, 0, destinationStride);
            Store(Avx.Permute2x128(u1, u5, 0x20), ref destination, 1, destinationStride);
            Store(Avx.Permute2x128(u2, u6, 0x20), ref destination, 2, destinationStride);
            Store(Avx.Permute2x128(u3, u7, 0x20), ref destination, 3, destinationStride);
            Store(Avx.Permute2x128(u0, u4, 0x31), ref destination, 4, destinationStride);
            Store(Avx.Permute2x128(u1, u5, 0x31), ref destination, 5, destinationStride);
            Store(Avx.Permute2x128(u2, u6, 0x31), ref destination, 6, destinationStride);
            Store(Avx.Permute2x128(u3, u7, 0x31), ref destination, 7, destinationStride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Row(ref float source, int row, int stride, int rows) =>
            row < rows ? Vector256.LoadUnsafe(ref source, (nuint)(row * stride)) : Vector256<float>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(Vector256<float> row, ref float destination, int index, int stride) => row.StoreUnsafe(ref destination, (nuint)(index * stride));
    }
}
