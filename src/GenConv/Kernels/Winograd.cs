using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenConv.Kernels
{
    /// <summary>
    /// The transforms of Winograd's F(2×2, 3×3) (Lavin and Gray, 2016): a 3×3 convolution computes each 2×2 block of
    /// outputs from a 4×4 block of inputs with 16 multiplications per input channel instead of 36. With d a 4×4 input
    /// tile, g a 3×3 kernel and ⊙ the element-wise product summed over input channels, Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, where
    /// <code>
    /// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]
    /// </code>
    /// The 16 products of a tile are indexed ξ = 4i + j by their row i and column j. Generated code runs the products as
    /// 16 matrix products over channels and calls these for the transforms. The vector forms work on 8 tiles side by
    /// side and do, lane by lane, the scalar form's operations in its order, so every path gives the same bits.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Winograd
    {
        /// <summary>Products per tile, and so matrix products per convolution.</summary>
        public const int Products = 16;

        /// <summary>
        /// Whether a transformed kernel kept from an earlier call is that of these weights: <paramref name="source"/> holds
        /// the <paramref name="count"/> weights it was computed from, bit for bit (−0 is not +0, a NaN is its own bits),
        /// then 1 once it has been computed at all.
        /// </summary>
        public static bool KernelIsCurrent(ref float weights, ref float source, int count) =>
            Unsafe.Add(ref source, count) == 1f
            && MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<float, int>(ref weights), count)
                .SequenceEqual(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<float, int>(ref source), count));

        /// <summary>Records that the kept transformed kernel is now that of <paramref name="weights"/> (see <see cref="KernelIsCurrent"/>).</summary>
        public static void KernelComputedFrom(ref float weights, ref float source, int count)
        {
            MemoryMarshal.CreateReadOnlySpan(ref weights, count).CopyTo(MemoryMarshal.CreateSpan(ref source, count));
            Unsafe.Add(ref source, count) = 1f;
        }

        /// <summary>
        /// U = G g Gᵀ for one 3×3 kernel g (9 floats, row-major, at <paramref name="g"/>): U[ξ] is stored at
        /// <paramref name="u"/> + ξ · <paramref name="productStride"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Kernel(ref float g, ref float u, int productStride)
        {
            // G g: the kernel's rows combined, column by column.
            float a00 = g, a01 = Unsafe.Add(ref g, 1), a02 = Unsafe.Add(ref g, 2);
            float g10 = Unsafe.Add(ref g, 3), g11 = Unsafe.Add(ref g, 4), g12 = Unsafe.Add(ref g, 5);
            float a30 = Unsafe.Add(ref g, 6), a31 = Unsafe.Add(ref g, 7), a32 = Unsafe.Add(ref g, 8);
            float a10 = (a00 + g10 + a30) * 0.5f, a11 = (a01 + g11 + a31) * 0.5f, a12 = (a02 + g12 + a32) * 0.5f;
            float a20 = (a00 - g10 + a30) * 0.5f, a21 = (a01 - g11 + a31) * 0.5f, a22 = (a02 - g12 + a32) * 0.5f;
            KernelRow(a00, a01, a02, ref u, productStride);
            KernelRow(a10, a11, a12, ref Unsafe.Add(ref u, 4 * productStride), productStride);
            KernelRow(a20, a21, a22, ref Unsafe.Add(ref u, 8 * productStride), productStride);
            KernelRow(a30, a31, a32, ref Unsafe.Add(ref u, 12 * productStride), productStride);
        }

        /// <summary>
        /// <see cref="Kernel"/> for 8 consecutive kernels (72 floats at <paramref name="g"/>), each lane one kernel: U[ξ] of
        /// the 8 stored as 8 floats at <paramref name="u"/> + ξ · <paramref name="productStride"/> (callers check <see cref="Avx2"/> support).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Kernels8(ref float g, ref float u, int productStride)
        {
            fixed (float* p = &g)
            {
                // Tap t of kernels k..k+7 is at 9k + t: one gather per tap.
                Vector256<int> k9 = Vector256.Create(0, 9, 18, 27, 36, 45, 54, 63);
                Vector256<float> a00 = Avx2.GatherVector256(p, k9, 4), a01 = Avx2.GatherVector256(p + 1, k9, 4), a02 = Avx2.GatherVector256(p + 2, k9, 4);
                Vector256<float> g10 = Avx2.GatherVector256(p + 3, k9, 4), g11 = Avx2.GatherVector256(p + 4, k9, 4), g12 = Avx2.GatherVector256(p + 5, k9, 4);
                Vector256<float> a30 = Avx2.GatherVector256(p + 6, k9, 4), a31 = Avx2.GatherVector256(p + 7, k9, 4), a32 = Avx2.GatherVector256(p + 8, k9, 4);
                Vector256<float> half = Vector256.Create(0.5f);
                Vector256<float> a10 = (a00 + g10 + a30) * half, a11 = (a01 + g11 + a31) * half, a12 = (a02 + g12 + a32) * half;
                Vector256<float> a20 = (a00 - g10 + a30) * half, a21 = (a01 - g11 + a31) * half, a22 = (a02 - g12 + a32) * half;
                KernelRow(a00, a01, a02, ref u, productStride);
                KernelRow(a10, a11, a12, ref Unsafe.Add(ref u, 4 * productStride), productStride);
                KernelRow(a20, a21, a22, ref Unsafe.Add(ref u, 8 * productStride), productStride);
                KernelRow(a30, a31, a32, ref Unsafe.Add(ref u, 12 * productStride), productStride);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void KernelRow(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, ref float u, int productStride)
        {
            Vector256<float> half = Vector256.Create(0.5f);
            a0.StoreUnsafe(ref u);
            ((a0 + a1 + a2) * half).StoreUnsafe(ref u, (nuint)productStride);
            ((a0 - a1 + a2) * half).StoreUnsafe(ref u, (nuint)(2 * productStride));
            a2.StoreUnsafe(ref u, (nuint)(3 * productStride));
        }

        /// <summary>One row of (G g) Gᵀ: its 3 values combined into 4.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void KernelRow(float a0, float a1, float a2, ref float u, int productStride)
        {
            u = a0;
            Unsafe.Add(ref u, productStride) = (a0 + a1 + a2) * 0.5f;
            Unsafe.Add(ref u, 2 * productStride) = (a0 - a1 + a2) * 0.5f;
            Unsafe.Add(ref u, 3 * productStride) = a2;
        }

        /// <summary>
        /// Backward weights: since Y = Aᵀ(U ⊙ V)A is linear in U, dL/dU = Σ over tiles of (A dY Aᵀ) ⊙ V, and dL/dg = Gᵀ(dL/dU)G.
        /// This is A dY Aᵀ for one tile of a pixel-major dY: its 2×2 pixels' channel vectors at <paramref name="dy"/>,
        /// + <paramref name="columnStride"/> (the next column) and + <paramref name="rowStride"/> (the next row); the 16
        /// results' <paramref name="channels"/> floats are stored at <paramref name="y"/> + ξ · <paramref name="productStride"/>.
        /// Additions only, element by element, so every vector width gives the same bits.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void GradientTile(ref float dy, int rowStride, int columnStride, ref float y, int productStride, int channels)
        {
            int c = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; c <= channels - 16; c += 16)
                {
                    ref float d = ref Unsafe.Add(ref dy, c);
                    Vector512<float> d00 = Vector512.LoadUnsafe(ref d), d01 = Vector512.LoadUnsafe(ref d, (nuint)columnStride);
                    Vector512<float> d10 = Vector512.LoadUnsafe(ref d, (nuint)rowStride), d11 = Vector512.LoadUnsafe(ref d, (nuint)(rowStride + columnStride));
                    // A dY: rows (d0, d0 + d1, d0 − d1, −d1) of the two; then the same on the columns of each.
                    ref float yc = ref Unsafe.Add(ref y, c);
                    GradientRow(d00, d01, ref yc, productStride);
                    GradientRow(d00 + d10, d01 + d11, ref Unsafe.Add(ref yc, 4 * productStride), productStride);
                    GradientRow(d00 - d10, d01 - d11, ref Unsafe.Add(ref yc, 8 * productStride), productStride);
                    GradientRow(-d10, -d11, ref Unsafe.Add(ref yc, 12 * productStride), productStride);
                }
            if (Vector128.IsHardwareAccelerated)
                for (; c <= channels - 4; c += 4)
                {
                    ref float d = ref Unsafe.Add(ref dy, c);
                    Vector128<float> d00 = Vector128.LoadUnsafe(ref d), d01 = Vector128.LoadUnsafe(ref d, (nuint)columnStride);
                    Vector128<float> d10 = Vector128.LoadUnsafe(ref d, (nuint)rowStride), d11 = Vector128.LoadUnsafe(ref d, (nuint)(rowStride + columnStride));
                    ref float yc = ref Unsafe.Add(ref y, c);
                    GradientRow(d00, d01, ref yc, productStride);
                    GradientRow(d00 + d10, d01 + d11, ref Unsafe.Add(ref yc, 4 * productStride), productStride);
                    GradientRow(d00 - d10, d01 - d11, ref Unsafe.Add(ref yc, 8 * productStride), productStride);
                    GradientRow(-d10, -d11, ref Unsafe.Add(ref yc, 12 * productStride), productStride);
                }
            for (; c < channels; c++)
            {
                ref float d = ref Unsafe.Add(ref dy, c);
                float d00 = d, d01 = Unsafe.Add(ref d, columnStride), d10 = Unsafe.Add(ref d, rowStride), d11 = Unsafe.Add(ref d, rowStride + columnStride);
                ref float yc = ref Unsafe.Add(ref y, c);
                GradientRow(d00, d01, ref yc, productStride);
                GradientRow(d00 + d10, d01 + d11, ref Unsafe.Add(ref yc, 4 * productStride), productStride);
                GradientRow(d00 - d10, d01 - d11, ref Unsafe.Add(ref yc, 8 * productStride), productStride);
                GradientRow(-d10, -d11, ref Unsafe.Add(ref yc, 12 * productStride), productStride);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GradientRow(Vector512<float> e0, Vector512<float> e1, ref float y, int productStride)
        {
            e0.StoreUnsafe(ref y);
            (e0 + e1).StoreUnsafe(ref y, (nuint)productStride);
            (e0 - e1).StoreUnsafe(ref y, (nuint)(2 * productStride));
            (-e1).StoreUnsafe(ref y, (nuint)(3 * productStride));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GradientRow(Vector128<float> e0, Vector128<float> e1, ref float y, int productStride)
        {
            e0.StoreUnsafe(ref y);
            (e0 + e1).StoreUnsafe(ref y, (nuint)productStride);
            (e0 - e1).StoreUnsafe(ref y, (nuint)(2 * productStride));
            (-e1).StoreUnsafe(ref y, (nuint)(3 * productStride));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GradientRow(float e0, float e1, ref float y, int productStride)
        {
            y = e0;
            Unsafe.Add(ref y, productStride) = e0 + e1;
            Unsafe.Add(ref y, 2 * productStride) = e0 - e1;
            Unsafe.Add(ref y, 3 * productStride) = -e1;
        }

        /// <summary>
        /// dg = Gᵀ dU G for one kernel: dU[ξ] at <paramref name="dU"/> + ξ · <paramref name="productStride"/>, the 3×3 result
        /// stored row-major at <paramref name="dg"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void KernelGradient(ref float dU, int productStride, ref float dg)
        {
            // Gᵀ dU: rows (u0 + (u1 + u2)/2, (u1 − u2)/2, (u1 + u2)/2 + u3), column by column; then the same on each row.
            GradientColumns(ref dU, productStride, 0, out float t00, out float t10, out float t20);
            GradientColumns(ref dU, productStride, 1, out float t01, out float t11, out float t21);
            GradientColumns(ref dU, productStride, 2, out float t02, out float t12, out float t22);
            GradientColumns(ref dU, productStride, 3, out float t03, out float t13, out float t23);
            KernelGradientRow(t00, t01, t02, t03, ref dg);
            KernelGradientRow(t10, t11, t12, t13, ref Unsafe.Add(ref dg, 3));
            KernelGradientRow(t20, t21, t22, t23, ref Unsafe.Add(ref dg, 6));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GradientColumns(ref float dU, int productStride, int j, out float t0, out float t1, out float t2)
        {
            float u0 = Unsafe.Add(ref dU, j * productStride), u1 = Unsafe.Add(ref dU, (4 + j) * productStride);
            float u2 = Unsafe.Add(ref dU, (8 + j) * productStride), u3 = Unsafe.Add(ref dU, (12 + j) * productStride);
            t0 = u0 + (u1 + u2) * 0.5f;
            t1 = (u1 - u2) * 0.5f;
            t2 = (u1 + u2) * 0.5f + u3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void KernelGradientRow(float u0, float u1, float u2, float u3, ref float dg)
        {
            dg = u0 + (u1 + u2) * 0.5f;
            Unsafe.Add(ref dg, 1) = (u1 - u2) * 0.5f;
            Unsafe.Add(ref dg, 2) = (u1 + u2) * 0.5f + u3;
        }

        /// <summary>
        /// V = Bᵀ d B for one tile whose top-left input is <paramref name="x"/> (rows <paramref name="rowStride"/> floats
        /// apart): V[ξ] is stored at <paramref name="v"/> + ξ · <paramref name="productStride"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void InputTile(ref float x, int rowStride, ref float v, int productStride)
        {
            // Bᵀ d: input rows combined, column by column; then each combined row's columns combined the same way.
            ref float r1 = ref Unsafe.Add(ref x, rowStride);
            ref float r2 = ref Unsafe.Add(ref x, 2 * rowStride);
            ref float r3 = ref Unsafe.Add(ref x, 3 * rowStride);
            float d00 = x, d01 = Unsafe.Add(ref x, 1), d02 = Unsafe.Add(ref x, 2), d03 = Unsafe.Add(ref x, 3);
            float d10 = r1, d11 = Unsafe.Add(ref r1, 1), d12 = Unsafe.Add(ref r1, 2), d13 = Unsafe.Add(ref r1, 3);
            float d20 = r2, d21 = Unsafe.Add(ref r2, 1), d22 = Unsafe.Add(ref r2, 2), d23 = Unsafe.Add(ref r2, 3);
            float d30 = r3, d31 = Unsafe.Add(ref r3, 1), d32 = Unsafe.Add(ref r3, 2), d33 = Unsafe.Add(ref r3, 3);
            InputRow(d00 - d20, d01 - d21, d02 - d22, d03 - d23, ref v, productStride);
            InputRow(d10 + d20, d11 + d21, d12 + d22, d13 + d23, ref Unsafe.Add(ref v, 4 * productStride), productStride);
            InputRow(d20 - d10, d21 - d11, d22 - d12, d23 - d13, ref Unsafe.Add(ref v, 8 * productStride), productStride);
            InputRow(d10 - d30, d11 - d31, d12 - d32, d13 - d33, ref Unsafe.Add(ref v, 12 * productStride), productStride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void InputRow(float t0, float t1, float t2, float t3, ref float v, int productStride)
        {
            v = t0 - t2;
            Unsafe.Add(ref v, productStride) = t1 + t2;
            Unsafe.Add(ref v, 2 * productStride) = t2 - t1;
            Unsafe.Add(ref v, 3 * productStride) = t1 - t3;
        }

        /// <summary>
        /// <see cref="InputTile"/> for 8 tiles side by side (tile k's top-left input at <paramref name="x"/> + 2k): V[ξ] of
        /// the 8 tiles stored as 8 floats at <paramref name="v"/> + ξ · <paramref name="productStride"/>. Reads 18 floats
        /// of each of the 4 rows, 16 from x and 16 from x + 2 (callers check Vector256 acceleration).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void InputTiles(ref float x, int rowStride, ref float v, int productStride)
        {
            Columns(ref x, out Vector256<float> d00, out Vector256<float> d01, out Vector256<float> d02, out Vector256<float> d03);
            Columns(ref Unsafe.Add(ref x, rowStride), out Vector256<float> d10, out Vector256<float> d11, out Vector256<float> d12, out Vector256<float> d13);
            Columns(ref Unsafe.Add(ref x, 2 * rowStride), out Vector256<float> d20, out Vector256<float> d21, out Vector256<float> d22, out Vector256<float> d23);
            Columns(ref Unsafe.Add(ref x, 3 * rowStride), out Vector256<float> d30, out Vector256<float> d31, out Vector256<float> d32, out Vector256<float> d33);
            InputRow(d00 - d20, d01 - d21, d02 - d22, d03 - d23, ref v, productStride);
            InputRow(d10 + d20, d11 + d21, d12 + d22, d13 + d23, ref Unsafe.Add(ref v, 4 * productStride), productStride);
            InputRow(d20 - d10, d21 - d11, d22 - d12, d23 - d13, ref Unsafe.Add(ref v, 8 * productStride), productStride);
            InputRow(d10 - d30, d11 - d31, d12 - d32, d13 - d33, ref Unsafe.Add(ref v, 12 * productStride), productStride);
        }

        /// <summary>Columns 2k, 2k + 1, 2k + 2 and 2k + 3 of one row for tiles k = 0..7.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Columns(ref float row, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3)
        {
            Interleave.Split(ref row, out c0, out c1);
            Interleave.Split(ref Unsafe.Add(ref row, 2), out c2, out c3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void InputRow(Vector256<float> t0, Vector256<float> t1, Vector256<float> t2, Vector256<float> t3, ref float v, int productStride)
        {
            (t0 - t2).StoreUnsafe(ref v);
            (t1 + t2).StoreUnsafe(ref v, (nuint)productStride);
            (t2 - t1).StoreUnsafe(ref v, (nuint)(2 * productStride));
            (t1 - t3).StoreUnsafe(ref v, (nuint)(3 * productStride));
        }

        /// <summary>
        /// <see cref="InputTile"/> for 16 tiles side by side, as <see cref="InputTiles"/> does for 8: reads 34 floats of
        /// each row (callers check <see cref="Avx512F"/> support).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void InputTiles16(ref float x, int rowStride, ref float v, int productStride)
        {
            Columns(ref x, out Vector512<float> d00, out Vector512<float> d01, out Vector512<float> d02, out Vector512<float> d03);
            Columns(ref Unsafe.Add(ref x, rowStride), out Vector512<float> d10, out Vector512<float> d11, out Vector512<float> d12, out Vector512<float> d13);
            Columns(ref Unsafe.Add(ref x, 2 * rowStride), out Vector512<float> d20, out Vector512<float> d21, out Vector512<float> d22, out Vector512<float> d23);
            Columns(ref Unsafe.Add(ref x, 3 * rowStride), out Vector512<float> d30, out Vector512<float> d31, out Vector512<float> d32, out Vector512<float> d33);
            InputRow(d00 - d20, d01 - d21, d02 - d22, d03 - d23, ref v, productStride);
            InputRow(d10 + d20, d11 + d21, d12 + d22, d13 + d23, ref Unsafe.Add(ref v, 4 * productStride), productStride);
            InputRow(d20 - d10, d21 - d11, d22 - d12, d23 - d13, ref Unsafe.Add(ref v, 8 * productStride), productStride);
            InputRow(d10 - d30, d11 - d31, d12 - d32, d13 - d33, ref Unsafe.Add(ref v, 12 * productStride), productStride);
        }

        /// <summary>Columns 2k, 2k + 1, 2k + 2 and 2k + 3 of one row for tiles k = 0..15.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Columns(ref float row, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
        {
            Interleave.Split(ref row, out c0, out c1);
            Interleave.Split(ref Unsafe.Add(ref row, 2), out c2, out c3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void InputRow(Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, ref float v, int productStride)
        {
            (t0 - t2).StoreUnsafe(ref v);
            (t1 + t2).StoreUnsafe(ref v, (nuint)productStride);
            (t2 - t1).StoreUnsafe(ref v, (nuint)(2 * productStride));
            (t1 - t3).StoreUnsafe(ref v, (nuint)(3 * productStride));
        }

        /// <summary>
        /// Y = Aᵀ M A for one tile, M[ξ] at <paramref name="m"/> + ξ · <paramref name="productStride"/>: the 2×2 outputs
        /// y[row][column], before bias and activation.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void OutputTile(ref float m, int productStride, out float y00, out float y01, out float y10, out float y11)
        {
            // Aᵀ M: the product rows combined, column by column; then each combined row's columns combined the same way.
            float m0 = m, m1 = Unsafe.Add(ref m, productStride), m2 = Unsafe.Add(ref m, 2 * productStride), m3 = Unsafe.Add(ref m, 3 * productStride);
            float m4 = Unsafe.Add(ref m, 4 * productStride), m5 = Unsafe.Add(ref m, 5 * productStride), m6 = Unsafe.Add(ref m, 6 * productStride), m7 = Unsafe.Add(ref m, 7 * productStride);
            float m8 = Unsafe.Add(ref m, 8 * productStride), m9 = Unsafe.Add(ref m, 9 * productStride), m10 = Unsafe.Add(ref m, 10 * productStride), m11 = Unsafe.Add(ref m, 11 * productStride);
            float m12 = Unsafe.Add(ref m, 12 * productStride), m13 = Unsafe.Add(ref m, 13 * productStride), m14 = Unsafe.Add(ref m, 14 * productStride), m15 = Unsafe.Add(ref m, 15 * productStride);
            float s00 = m0 + m4 + m8, s01 = m1 + m5 + m9, s02 = m2 + m6 + m10, s03 = m3 + m7 + m11;
            float s10 = m4 - m8 - m12, s11 = m5 - m9 - m13, s12 = m6 - m10 - m14, s13 = m7 - m11 - m15;
            y00 = s00 + s01 + s02;
            y01 = s01 - s02 - s03;
            y10 = s10 + s11 + s12;
            y11 = s11 - s12 - s13;
        }

        /// <summary><see cref="OutputTile"/> for 16 tiles side by side (callers check <see cref="Avx512F"/> support).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void OutputTiles16(ref float m, int productStride,
            out Vector512<float> y00, out Vector512<float> y01, out Vector512<float> y10, out Vector512<float> y11)
        {
            Vector512<float> m0 = Vector512.LoadUnsafe(ref m), m1 = Vector512.LoadUnsafe(ref m, (nuint)productStride);
            Vector512<float> m2 = Vector512.LoadUnsafe(ref m, (nuint)(2 * productStride)), m3 = Vector512.LoadUnsafe(ref m, (nuint)(3 * productStride));
            Vector512<float> m4 = Vector512.LoadUnsafe(ref m, (nuint)(4 * productStride)), m5 = Vector512.LoadUnsafe(ref m, (nuint)(5 * productStride));
            Vector512<float> m6 = Vector512.LoadUnsafe(ref m, (nuint)(6 * productStride)), m7 = Vector512.LoadUnsafe(ref m, (nuint)(7 * productStride));
            Vector512<float> m8 = Vector512.LoadUnsafe(ref m, (nuint)(8 * productStride)), m9 = Vector512.LoadUnsafe(ref m, (nuint)(9 * productStride));
            Vector512<float> m10 = Vector512.LoadUnsafe(ref m, (nuint)(10 * productStride)), m11 = Vector512.LoadUnsafe(ref m, (nuint)(11 * productStride));
            Vector512<float> m12 = Vector512.LoadUnsafe(ref m, (nuint)(12 * productStride)), m13 = Vector512.LoadUnsafe(ref m, (nuint)(13 * productStride));
            Vector512<float> m14 = Vector512.LoadUnsafe(ref m, (nuint)(14 * productStride)), m15 = Vector512.LoadUnsafe(ref m, (nuint)(15 * productStride));
            Vector512<float> s00 = m0 + m4 + m8, s01 = m1 + m5 + m9, s02 = m2 + m6 + m10, s03 = m3 + m7 + m11;
            Vector512<float> s10 = m4 - m8 - m12, s11 = m5 - m9 - m13, s12 = m6 - m10 - m14, s13 = m7 - m11 - m15;
            y00 = s00 + s01 + s02;
            y01 = s01 - s02 - s03;
            y10 = s10 + s11 + s12;
            y11 = s11 - s12 - s13;
        }

        /// <summary><see cref="OutputTile"/> for 8 tiles side by side, M[ξ] of the 8 as 8 floats at <paramref name="m"/> + ξ · <paramref name="productStride"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void OutputTiles(ref float m, int productStride,
            out Vector256<float> y00, out Vector256<float> y01, out Vector256<float> y10, out Vector256<float> y11)
        {
            Vector256<float> m0 = Vector256.LoadUnsafe(ref m), m1 = Vector256.LoadUnsafe(ref m, (nuint)productStride);
            Vector256<float> m2 = Vector256.LoadUnsafe(ref m, (nuint)(2 * productStride)), m3 = Vector256.LoadUnsafe(ref m, (nuint)(3 * productStride));
            Vector256<float> m4 = Vector256.LoadUnsafe(ref m, (nuint)(4 * productStride)), m5 = Vector256.LoadUnsafe(ref m, (nuint)(5 * productStride));
            Vector256<float> m6 = Vector256.LoadUnsafe(ref m, (nuint)(6 * productStride)), m7 = Vector256.LoadUnsafe(ref m, (nuint)(7 * productStride));
            Vector256<float> m8 = Vector256.LoadUnsafe(ref m, (nuint)(8 * productStride)), m9 = Vector256.LoadUnsafe(ref m, (nuint)(9 * productStride));
            Vector256<float> m10 = Vector256.LoadUnsafe(ref m, (nuint)(10 * productStride)), m11 = Vector256.LoadUnsafe(ref m, (nuint)(11 * productStride));
            Vector256<float> m12 = Vector256.LoadUnsafe(ref m, (nuint)(12 * productStride)), m13 = Vector256.LoadUnsafe(ref m, (nuint)(13 * productStride));
            Vector256<float> m14 = Vector256.LoadUnsafe(ref m, (nuint)(14 * productStride)), m15 = Vector256.LoadUnsafe(ref m, (nuint)(15 * productStride));
            Vector256<float> s00 = m0 + m4 + m8, s01 = m1 + m5 + m9, s02 = m2 + m6 + m10, s03 = m3 + m7 + m11;
            Vector256<float> s10 = m4 - m8 - m12, s11 = m5 - m9 - m13, s12 = m6 - m10 - m14, s13 = m7 - m11 - m15;
            y00 = s00 + s01 + s02;
            y01 = s01 - s02 - s03;
            y10 = s10 + s11 + s12;
            y11 = s11 - s12 - s13;
        }
    }
}
