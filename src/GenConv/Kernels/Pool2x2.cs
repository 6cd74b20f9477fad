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
            if (Vector256.IsHardwareAccelerated && count >= 8)
                for (; i < count; i = PoolWindows.Next(i, 8, count))
                {
                    Split(ref row0, ref row1, i, 8, out var e0, out var o0, out var e1, out var o1);
                    MaxOf(e0, o0, e1, o1, out _, out _, out _).StoreUnsafe(ref y, (nuint)i);
                }
            else if (Vector256.IsHardwareAccelerated && count >= 4)
                for (; i < count; i = PoolWindows.Next(i, 4, count))
                {
                    Split(ref row0, ref row1, i, 4, out var e0, out var o0, out var e1, out var o1);
                    MaxOf(e0, o0, e1, o1, out _, out _, out _).GetLower().StoreUnsafe(ref y, (nuint)i);
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
            if (Vector256.IsHardwareAccelerated && count >= 4)
            {
                int lanes = count >= 8 ? 8 : 4;
                for (; i < count; i = PoolWindows.Next(i, lanes, count))
                {
                    Split(ref row0, ref row1, i, lanes, out var e0, out var o0, out var e1, out var o1);
                    Vector256<float> max = MaxOf(e0, o0, e1, o1, out var take1, out var take2, out var take3);
                    // The arg-max is the last element that won: a later win overrides an earlier one.
                    take2 = Vector256.AndNot(take2, take3);
                    take1 = Vector256.AndNot(Vector256.AndNot(take1, take2), take3);
                    Vector256<float> take0 = ~(take1 | take2 | take3);
                    Vector256<float> g = Vector256<float>.Zero + Load(ref dy, i, lanes);
                    if (rectify) g &= Vector256.GreaterThan(max, Vector256<float>.Zero);
                    Merge(ref dx0, i, g & take0, g & take1, lanes);
                    Merge(ref dx1, i, g & take2, g & take3, lanes);
                }
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
            if (Vector256.IsHardwareAccelerated && count >= 8)
                for (; i < count; i = PoolWindows.Next(i, 8, count))
                {
                    Split(ref row0, ref row1, i, 8, out var e0, out var o0, out var e1, out var o1);
                    ((((Vector256<float>.Zero + e0) + o0) + e1 + o1) / 4f).StoreUnsafe(ref y, (nuint)i);
                }
            else if (Vector256.IsHardwareAccelerated && count >= 4)
                for (; i < count; i = PoolWindows.Next(i, 4, count))
                {
                    Split(ref row0, ref row1, i, 4, out var e0, out var o0, out var e1, out var o1);
                    ((((Vector256<float>.Zero + e0) + o0) + e1 + o1) / 4f).GetLower().StoreUnsafe(ref y, (nuint)i);
                }
            for (; i < count; i++)
                Unsafe.Add(ref y, i) = ((((0f + Unsafe.Add(ref row0, 2 * i)) + Unsafe.Add(ref row0, 2 * i + 1)) + Unsafe.Add(ref row1, 2 * i)) + Unsafe.Add(ref row1, 2 * i + 1)) / 4f;
        }

        /// <summary>Every element of window i gets 0 + dy[i] / 4.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AverageBackward(ref float dy, ref float dx0, ref float dx1, int count)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated && count >= 4)
            {
                int lanes = count >= 8 ? 8 : 4;
                for (; i < count; i = PoolWindows.Next(i, lanes, count))
                {
                    Vector256<float> share = Vector256<float>.Zero + Load(ref dy, i, lanes) / 4f;
                    Merge(ref dx0, i, share, share, lanes);
                    Merge(ref dx1, i, share, share, lanes);
                }
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

        /// <summary>The window maxima in scan order, and which of the later three elements won when it was compared.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> MaxOf(Vector256<float> e0, Vector256<float> o0, Vector256<float> e1, Vector256<float> o1,
            out Vector256<float> take1, out Vector256<float> take2, out Vector256<float> take3)
        {
            Vector256<float> max = e0;
            take1 = PoolWindows.Wins(o0, max); max = Vector256.ConditionalSelect(take1, o0, max);
            take2 = PoolWindows.Wins(e1, max); max = Vector256.ConditionalSelect(take2, e1, max);
            take3 = PoolWindows.Wins(o1, max); return Vector256.ConditionalSelect(take3, o1, max);
        }

        /// <summary>dy[i ..] as a vector: 8 floats, or 4 in the lower half (the upper half is then never stored).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Load(ref float dy, int i, int lanes) =>
            lanes == 8 ? Vector256.LoadUnsafe(ref dy, (nuint)i) : Vector128.LoadUnsafe(ref dy, (nuint)i).ToVector256Unsafe();

        /// <summary>Even and odd columns of the two rows from window i: 8 windows, or 4 in the lower halves when only 4 are left.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Split(ref float row0, ref float row1, int i, int lanes, out Vector256<float> e0, out Vector256<float> o0, out Vector256<float> e1, out Vector256<float> o1)
        {
            if (lanes == 8)
            {
                Interleave.Split(ref Unsafe.Add(ref row0, 2 * i), out e0, out o0);
                Interleave.Split(ref Unsafe.Add(ref row1, 2 * i), out e1, out o1);
                return;
            }
            // Exactly the 4 windows' 8 floats per row: nothing past the row pair is read.
            Interleave.SplitHalf(ref Unsafe.Add(ref row0, 2 * i), out var even0, out var odd0);
            Interleave.SplitHalf(ref Unsafe.Add(ref row1, 2 * i), out var even1, out var odd1);
            (e0, o0, e1, o1) = (even0.ToVector256Unsafe(), odd0.ToVector256Unsafe(), even1.ToVector256Unsafe(), odd1.ToVector256Unsafe());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Merge(ref float row, int i, Vector256<float> even, Vector256<float> odd, int lanes)
        {
            if (lanes == 8)
                Interleave.Merge(even, odd, ref Unsafe.Add(ref row, 2 * i));
            else
                Interleave.MergeHalf(even.GetLower(), odd.GetLower(), ref Unsafe.Add(ref row, 2 * i));
        }
    }
}
