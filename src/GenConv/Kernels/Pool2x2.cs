using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GenConv.Kernels
{
    /// <summary>
    /// 2×2 pooling with stride 2 and no padding (every window disjoint), a row pair at a time, branch-free: the even and
    /// odd columns of both rows are split into vectors and combined element-wise in PyTorch's scan order, (r0, c0),
    /// (r0, c1), (r1, c0), (r1, c1), with the same operations as the scalar kernels, so results agree bit for bit.
    /// Backward writes every element of the covered input (the caller clears any uncovered border first).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Pool2x2
    {
        /// <summary>y[i] = max of row0[2i], row0[2i+1], row1[2i], row1[2i+1]: the first maximum wins and NaN wins.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MaxForward(ref float row0, ref float row1, ref float y, int count)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i <= count - 8; i += 8)
                {
                    Split(ref row0, ref row1, i, out var e0, out var o0, out var e1, out var o1);
                    Vector256<float> max = e0;
                    max = Vector256.ConditionalSelect(Wins(o0, max), o0, max);
                    max = Vector256.ConditionalSelect(Wins(e1, max), e1, max);
                    max = Vector256.ConditionalSelect(Wins(o1, max), o1, max);
                    max.StoreUnsafe(ref y, (nuint)i);
                }
            for (; i < count; i++)
            {
                float max = Unsafe.Add(ref row0, 2 * i), v;
                v = Unsafe.Add(ref row0, 2 * i + 1); if (v > max || float.IsNaN(v)) max = v;
                v = Unsafe.Add(ref row1, 2 * i); if (v > max || float.IsNaN(v)) max = v;
                v = Unsafe.Add(ref row1, 2 * i + 1); if (v > max || float.IsNaN(v)) max = v;
                Unsafe.Add(ref y, i) = max;
            }
        }

        /// <summary>
        /// dx = 0 + dy at each window's arg-max (the element forward chose), +0 elsewhere. With <paramref name="rectify"/>
        /// (a ReLU before the pool, its backward fused here) the arg-max gets +0 too unless the maximum is positive.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MaxBackward(ref float row0, ref float row1, ref float dy, ref float dx0, ref float dx1, bool rectify, int count)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i <= count - 8; i += 8)
                {
                    Split(ref row0, ref row1, i, out var e0, out var o0, out var e1, out var o1);
                    Vector256<float> max = e0;
                    Vector256<float> take1 = Wins(o0, max); max = Vector256.ConditionalSelect(take1, o0, max);
                    Vector256<float> take2 = Wins(e1, max); max = Vector256.ConditionalSelect(take2, e1, max);
                    Vector256<float> take3 = Wins(o1, max); max = Vector256.ConditionalSelect(take3, o1, max);
                    // The arg-max is the last element that won: a later win overrides an earlier one.
                    take2 = Vector256.AndNot(take2, take3);
                    take1 = Vector256.AndNot(Vector256.AndNot(take1, take2), take3);
                    Vector256<float> take0 = ~(take1 | take2 | take3);
                    Vector256<float> g = Vector256<float>.Zero + Vector256.LoadUnsafe(ref dy, (nuint)i);
                    if (rectify) g &= Vector256.GreaterThan(max, Vector256<float>.Zero);
                    Merge(ref dx0, i, g & take0, g & take1);
                    Merge(ref dx1, i, g & take2, g & take3);
                }
            for (; i < count; i++)
            {
                int arg = 0;
                float max = Unsafe.Add(ref row0, 2 * i), v;
                v = Unsafe.Add(ref row0, 2 * i + 1); if (v > max || float.IsNaN(v)) { max = v; arg = 1; }
                v = Unsafe.Add(ref row1, 2 * i); if (v > max || float.IsNaN(v)) { max = v; arg = 2; }
                v = Unsafe.Add(ref row1, 2 * i + 1); if (v > max || float.IsNaN(v)) { max = v; arg = 3; }
                float g = 0f + Unsafe.Add(ref dy, i);
                if (rectify) g = Activations.ReluBackward(max, g);
                Unsafe.Add(ref dx0, 2 * i) = arg == 0 ? g : 0f;
                Unsafe.Add(ref dx0, 2 * i + 1) = arg == 1 ? g : 0f;
                Unsafe.Add(ref dx1, 2 * i) = arg == 2 ? g : 0f;
                Unsafe.Add(ref dx1, 2 * i + 1) = arg == 3 ? g : 0f;
            }
        }

        /// <summary>y[i] = (((0 + row0[2i]) + row0[2i+1]) + row1[2i]) + row1[2i+1]) / 4, the scalar kernels' order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AverageForward(ref float row0, ref float row1, ref float y, int count)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i <= count - 8; i += 8)
                {
                    Split(ref row0, ref row1, i, out var e0, out var o0, out var e1, out var o1);
                    ((((Vector256<float>.Zero + e0) + o0) + e1 + o1) / 4f).StoreUnsafe(ref y, (nuint)i);
                }
            for (; i < count; i++)
                Unsafe.Add(ref y, i) = ((((0f + Unsafe.Add(ref row0, 2 * i)) + Unsafe.Add(ref row0, 2 * i + 1)) + Unsafe.Add(ref row1, 2 * i)) + Unsafe.Add(ref row1, 2 * i + 1)) / 4f;
        }

        /// <summary>Every element of window i gets 0 + dy[i] / 4.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AverageBackward(ref float dy, ref float dx0, ref float dx1, int count)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i <= count - 8; i += 8)
                {
                    Vector256<float> share = Vector256<float>.Zero + Vector256.LoadUnsafe(ref dy, (nuint)i) / 4f;
                    Merge(ref dx0, i, share, share);
                    Merge(ref dx1, i, share, share);
                }
            for (; i < count; i++)
            {
                float share = 0f + Unsafe.Add(ref dy, i) / 4f;
                Unsafe.Add(ref dx0, 2 * i) = share;
                Unsafe.Add(ref dx0, 2 * i + 1) = share;
                Unsafe.Add(ref dx1, 2 * i) = share;
                Unsafe.Add(ref dx1, 2 * i + 1) = share;
            }
        }

        /// <summary>PyTorch's update rule, v &gt; max || isnan(v), lane by lane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Wins(Vector256<float> v, Vector256<float> max) =>
            Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Split(ref float row0, ref float row1, int i, out Vector256<float> e0, out Vector256<float> o0, out Vector256<float> e1, out Vector256<float> o1)
        {
            Interleave.Split(ref Unsafe.Add(ref row0, 2 * i), out e0, out o0);
            Interleave.Split(ref Unsafe.Add(ref row1, 2 * i), out e1, out o1);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Merge(ref float row, int i, Vector256<float> even, Vector256<float> odd) =>
            Interleave.Merge(even, odd, ref Unsafe.Add(ref row, 2 * i));
    }
}
