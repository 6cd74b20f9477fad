using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenConv.Kernels
{
    /// <summary>
    /// 2×2 pooling with stride 2 and no padding (every window disjoint), by row pairs, branch-free: the even and
    /// odd columns of both rows are split into vectors of windows and combined element-wise with the same selections as
    /// the scalar kernels, so results agree bit for bit. Backward writes every element of the covered input (the caller
    /// clears any uncovered border first).
    /// </summary>
    /// <remarks>
    /// A 256-bit step takes 8 windows in the order 0, 1, 4, 5, 2, 3, 6, 7: one in-lane shuffle per row splits its 16
    /// floats that way, one unpack per half merges them back, and only dY and forward's outputs cross the 128-bit
    /// halves (one permute each). Rows of 4 to 7 windows take two row pairs to a 256-bit step, 4 windows of each in
    /// order in its own half (LeNet-5's second pool: half the steps of one row pair at a time), else a 128-bit step
    /// takes 4 windows in order.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Pool2x2
    {
        // The four entry points are kernels that generated kernels call: compiled once at full opts, as those are, never
        // re-jitted with a tiered-PGO profile (which moved LeNet-5's inference by up to 16 % from process to process).

        // Row pair k of a run: rows 2k and 2k + 1 of width floats from x (and dX), its count windows from k · count in y
        // (and dY). Rows of 4 to 7 windows go two row pairs to a 256-bit step, one in each half.

        /// <summary>Max pooling forward of <paramref name="rowPairs"/> row pairs (see the layout above).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxForward(ref float x, ref float y, int width, int count, int rowPairs) =>
            Forward<WindowMax>(ref x, ref y, width, count, rowPairs);

        /// <summary>Average pooling forward of <paramref name="rowPairs"/> row pairs (see the layout above).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AverageForward(ref float x, ref float y, int width, int count, int rowPairs) =>
            Forward<WindowMean>(ref x, ref y, width, count, rowPairs);

        /// <summary>Forward of either pool: the same steps, each window reduced by <typeparamref name="TWindow"/>.</summary>
        private static void Forward<TWindow>(ref float x, ref float y, int width, int count, int rowPairs) where TWindow : struct, IWindowReduction
        {
            int k = 0;
            if (Avx2.IsSupported && count >= 4 && count < 8)
                for (; k + 1 < rowPairs; k += 2)
                {
                    ref float top = ref Row(ref x, 2 * k, width);
                    for (int i = 0; i < count; i = PoolWindows.Next(i, 4, count))
                    {
                        SplitTwo(ref top, 2 * width, i, out var e0, out var o0);
                        SplitTwo(ref Unsafe.Add(ref top, width), 2 * width, i, out var e1, out var o1);
                        StoreTwo(TWindow.Of(e0, o0, e1, o1), ref Row(ref y, k, count), count, i);
                    }
                }
            for (; k < rowPairs; k++)
                ForwardRowPair<TWindow>(ref Row(ref x, 2 * k, width), ref Row(ref x, 2 * k + 1, width), ref Row(ref y, k, count), count);
        }

        /// <summary>Max pooling backward of <paramref name="rowPairs"/> row pairs (see the layout above and the row pair's overload).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxBackward(ref float x, ref float dy, ref float dx, bool rectify, int width, int count, int rowPairs)
        {
            int k = 0;
            if (Avx2.IsSupported && count >= 4 && count < 8)
                for (; k + 1 < rowPairs; k += 2)
                {
                    ref float top = ref Row(ref x, 2 * k, width);
                    ref float dxTop = ref Row(ref dx, 2 * k, width);
                    for (int i = 0; i < count; i = PoolWindows.Next(i, 4, count))
                    {
                        SplitTwo(ref top, 2 * width, i, out var e0, out var o0);
                        SplitTwo(ref Unsafe.Add(ref top, width), 2 * width, i, out var e1, out var o1);
                        Route(Halves(ref Row(ref dy, k, count), count, i), rectify, e0, o0, e1, o1,
                            out var topEven, out var topOdd, out var bottomEven, out var bottomOdd);
                        MergeTwo(ref dxTop, 2 * width, i, topEven, topOdd);
                        MergeTwo(ref Unsafe.Add(ref dxTop, width), 2 * width, i, bottomEven, bottomOdd);
                    }
                }
            for (; k < rowPairs; k++)
                MaxBackward(ref Row(ref x, 2 * k, width), ref Row(ref x, 2 * k + 1, width), ref Row(ref dy, k, count),
                    ref Row(ref dx, 2 * k, width), ref Row(ref dx, 2 * k + 1, width), rectify, count);
        }

        /// <summary>Average pooling backward of <paramref name="rowPairs"/> row pairs (see the layout above).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AverageBackward(ref float dy, ref float dx, int width, int count, int rowPairs)
        {
            int k = 0;
            if (Avx2.IsSupported && count >= 4 && count < 8)
                for (; k + 1 < rowPairs; k += 2)
                {
                    ref float dxTop = ref Row(ref dx, 2 * k, width);
                    for (int i = 0; i < count; i = PoolWindows.Next(i, 4, count))
                    {
                        Vector256<float> share = Vector256<float>.Zero + Halves(ref Row(ref dy, k, count), count, i) / 4f;
                        MergeTwo(ref dxTop, 2 * width, i, share, share);
                        MergeTwo(ref Unsafe.Add(ref dxTop, width), 2 * width, i, share, share);
                    }
                }
            for (; k < rowPairs; k++)
                AverageBackward(ref Row(ref dy, k, count), ref Row(ref dx, 2 * k, width), ref Row(ref dx, 2 * k + 1, width), count);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ref float Row(ref float start, int row, int length) => ref Unsafe.Add(ref start, (nint)row * length);

        /// <summary>y[i] = the reduction of window i: row0[2i], row0[2i+1], row1[2i], row1[2i+1].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ForwardRowPair<TWindow>(ref float row0, ref float row1, ref float y, int count) where TWindow : struct, IWindowReduction
        {
            int i = 0;
            if (Avx2.IsSupported && count >= 8)
                for (; i < count; i = PoolWindows.Next(i, 8, count))
                {
                    Split(ref row0, i, out Vector256<float> e0, out var o0);
                    Split(ref row1, i, out Vector256<float> e1, out var o1);
                    InWindowOrder(TWindow.Of(e0, o0, e1, o1)).StoreUnsafe(ref y, (nuint)i);
                }
            else if (Sse41.IsSupported && count >= 4)
                for (; i < count; i = PoolWindows.Next(i, 4, count))
                {
                    Split(ref row0, i, out Vector128<float> e0, out var o0);
                    Split(ref row1, i, out Vector128<float> e1, out var o1);
                    TWindow.Of(e0, o0, e1, o1).StoreUnsafe(ref y, (nuint)i);
                }
            for (; i < count; i++)
                Unsafe.Add(ref y, i) = TWindow.Of(Unsafe.Add(ref row0, 2 * i), Unsafe.Add(ref row0, 2 * i + 1), Unsafe.Add(ref row1, 2 * i), Unsafe.Add(ref row1, 2 * i + 1));
        }

        /// <summary>A window's reduction, on 8 windows, 4, or one, given each row's even and odd columns.</summary>
        private interface IWindowReduction
        {
            static abstract Vector256<float> Of(Vector256<float> e0, Vector256<float> o0, Vector256<float> e1, Vector256<float> o1);
            static abstract Vector128<float> Of(Vector128<float> e0, Vector128<float> o0, Vector128<float> e1, Vector128<float> o1);
            static abstract float Of(float e0, float o0, float e1, float o1);
        }

        /// <summary>The maximum: the first maximum wins and NaN wins (PyTorch's scan).</summary>
        private readonly struct WindowMax : IWindowReduction
        {
            public static Vector256<float> Of(Vector256<float> e0, Vector256<float> o0, Vector256<float> e1, Vector256<float> o1) => Max(e0, o0, e1, o1, out _, out _, out _);
            public static Vector128<float> Of(Vector128<float> e0, Vector128<float> o0, Vector128<float> e1, Vector128<float> o1) => Max(e0, o0, e1, o1, out _, out _, out _);

            public static float Of(float e0, float o0, float e1, float o1)
            {
                float max = e0;
                if (o0 > max || float.IsNaN(o0)) max = o0;
                if (e1 > max || float.IsNaN(e1)) max = e1;
                if (o1 > max || float.IsNaN(o1)) max = o1;
                return max;
            }
        }

        /// <summary>The mean, (((0 + row0[2i]) + row0[2i+1]) + row1[2i]) + row1[2i+1]) / 4: the scalar kernels' order.</summary>
        private readonly struct WindowMean : IWindowReduction
        {
            public static Vector256<float> Of(Vector256<float> e0, Vector256<float> o0, Vector256<float> e1, Vector256<float> o1) => ((((Vector256<float>.Zero + e0) + o0) + e1) + o1) / 4f;
            public static Vector128<float> Of(Vector128<float> e0, Vector128<float> o0, Vector128<float> e1, Vector128<float> o1) => ((((Vector128<float>.Zero + e0) + o0) + e1) + o1) / 4f;
            public static float Of(float e0, float o0, float e1, float o1) => ((((0f + e0) + o0) + e1) + o1) / 4f;
        }

        /// <summary>
        /// dx = 0 + dy at each window's arg-max (the element forward chose), +0 elsewhere. With <paramref name="rectify"/>
        /// (a ReLU before the pool, its backward fused here) the arg-max gets +0 too unless the maximum is positive.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MaxBackward(ref float row0, ref float row1, ref float dy, ref float dx0, ref float dx1, bool rectify, int count)
        {
            int i = 0;
            if (Avx2.IsSupported && count >= 8)
                for (; i < count; i = PoolWindows.Next(i, 8, count))
                {
                    Split(ref row0, i, out Vector256<float> e0, out var o0);
                    Split(ref row1, i, out Vector256<float> e1, out var o1);
                    Route(InWindowOrder(Vector256.LoadUnsafe(ref dy, (nuint)i)), rectify, e0, o0, e1, o1,
                        out var topEven, out var topOdd, out var bottomEven, out var bottomOdd);
                    Merge(ref dx0, i, topEven, topOdd);
                    Merge(ref dx1, i, bottomEven, bottomOdd);
                }
            else if (Sse41.IsSupported && count >= 4)
                for (; i < count; i = PoolWindows.Next(i, 4, count))
                {
                    Split(ref row0, i, out Vector128<float> e0, out var o0);
                    Split(ref row1, i, out Vector128<float> e1, out var o1);
                    Route(Vector128.LoadUnsafe(ref dy, (nuint)i), rectify, e0, o0, e1, o1,
                        out var topEven, out var topOdd, out var bottomEven, out var bottomOdd);
                    Merge(ref dx0, i, topEven, topOdd);
                    Merge(ref dx1, i, bottomEven, bottomOdd);
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

        /// <summary>Every element of window i gets 0 + dy[i] / 4.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AverageBackward(ref float dy, ref float dx0, ref float dx1, int count)
        {
            int i = 0;
            if (Avx2.IsSupported && count >= 8)
                for (; i < count; i = PoolWindows.Next(i, 8, count))
                {
                    Vector256<float> share = Vector256<float>.Zero + InWindowOrder(Vector256.LoadUnsafe(ref dy, (nuint)i)) / 4f;
                    Merge(ref dx0, i, share, share);
                    Merge(ref dx1, i, share, share);
                }
            else if (Sse41.IsSupported && count >= 4)
                for (; i < count; i = PoolWindows.Next(i, 4, count))
                {
                    Vector128<float> share = Vector128<float>.Zero + Vector128.LoadUnsafe(ref dy, (nuint)i) / 4f;
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

        /// <summary>
        /// dY (windows as the columns are) routed to each window's arg-max, 0 + dY there and +0 elsewhere, as the even and
        /// odd columns of the top and bottom rows; with <paramref name="rectify"/> +0 also where the maximum is not positive.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Route(Vector256<float> dy, bool rectify, Vector256<float> e0, Vector256<float> o0, Vector256<float> e1, Vector256<float> o1,
            out Vector256<float> topEven, out Vector256<float> topOdd, out Vector256<float> bottomEven, out Vector256<float> bottomOdd)
        {
            Vector256<float> max = Max(e0, o0, e1, o1, out var odd0, out var odd1, out var bottom);
            Vector256<float> g = Vector256<float>.Zero + dy;
            if (rectify) g &= Vector256.GreaterThan(max, Vector256<float>.Zero);
            Vector256<float> top = Vector256.AndNot(g, bottom), low = g & bottom;
            (topEven, topOdd, bottomEven, bottomOdd) = (Vector256.AndNot(top, odd0), top & odd0, Vector256.AndNot(low, odd1), low & odd1);
        }

        /// <inheritdoc cref="Route(Vector256{float}, bool, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, out Vector256{float}, out Vector256{float}, out Vector256{float}, out Vector256{float})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Route(Vector128<float> dy, bool rectify, Vector128<float> e0, Vector128<float> o0, Vector128<float> e1, Vector128<float> o1,
            out Vector128<float> topEven, out Vector128<float> topOdd, out Vector128<float> bottomEven, out Vector128<float> bottomOdd)
        {
            Vector128<float> max = Max(e0, o0, e1, o1, out var odd0, out var odd1, out var bottom);
            Vector128<float> g = Vector128<float>.Zero + dy;
            if (rectify) g &= Vector128.GreaterThan(max, Vector128<float>.Zero);
            Vector128<float> top = Vector128.AndNot(g, bottom), low = g & bottom;
            (topEven, topOdd, bottomEven, bottomOdd) = (Vector128.AndNot(top, odd0), top & odd0, Vector128.AndNot(low, odd1), low & odd1);
        }

        /// <summary>
        /// The window maxima, each row's pair first and then the bottom pair's winner against the top's: both the scan and
        /// this tree keep the last NaN if there is one and else the first maximum, so they pick the same element. Also
        /// which element won: the odd column of the top (<paramref name="odd0"/>) and of the bottom pair, and the bottom pair.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Max(Vector256<float> e0, Vector256<float> o0, Vector256<float> e1, Vector256<float> o1,
            out Vector256<float> odd0, out Vector256<float> odd1, out Vector256<float> bottom)
        {
            odd0 = PoolWindows.Wins(o0, e0);
            odd1 = PoolWindows.Wins(o1, e1);
            Vector256<float> top = Avx.BlendVariable(e0, o0, odd0), low = Avx.BlendVariable(e1, o1, odd1);
            bottom = PoolWindows.Wins(low, top);
            return Avx.BlendVariable(top, low, bottom);
        }

        /// <inheritdoc cref="Max(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, out Vector256{float}, out Vector256{float}, out Vector256{float})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Max(Vector128<float> e0, Vector128<float> o0, Vector128<float> e1, Vector128<float> o1,
            out Vector128<float> odd0, out Vector128<float> odd1, out Vector128<float> bottom)
        {
            odd0 = PoolWindows.Wins(o0, e0);
            odd1 = PoolWindows.Wins(o1, e1);
            Vector128<float> top = Sse41.BlendVariable(e0, o0, odd0), low = Sse41.BlendVariable(e1, o1, odd1);
            bottom = PoolWindows.Wins(low, top);
            return Sse41.BlendVariable(top, low, bottom);
        }

        /// <summary>The even and odd columns of the 16 floats from window i, as 8 windows in the order 0, 1, 4, 5, 2, 3, 6, 7.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Split(ref float row, int i, out Vector256<float> even, out Vector256<float> odd)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref row, (nuint)(2 * i)), b = Vector256.LoadUnsafe(ref row, (nuint)(2 * i + 8));
            even = Avx.Shuffle(a, b, 0b10_00_10_00);
            odd = Avx.Shuffle(a, b, 0b11_01_11_01);
        }

        /// <summary>The even and odd columns of the 8 floats from window i: 4 windows in order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Split(ref float row, int i, out Vector128<float> even, out Vector128<float> odd)
        {
            Vector128<float> a = Vector128.LoadUnsafe(ref row, (nuint)(2 * i)), b = Vector128.LoadUnsafe(ref row, (nuint)(2 * i + 4));
            even = Sse.Shuffle(a, b, 0b10_00_10_00);
            odd = Sse.Shuffle(a, b, 0b11_01_11_01);
        }

        /// <summary>
        /// The even and odd columns of 4 windows from window i of a row (lower half) and of the row
        /// <paramref name="stride"/> floats on (upper half), each half in order.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SplitTwo(ref float row, int stride, int i, out Vector256<float> even, out Vector256<float> odd)
        {
            Vector256<float> a = Halves(ref row, stride, 2 * i), b = Halves(ref row, stride, 2 * i + 4);
            even = Avx.Shuffle(a, b, 0b10_00_10_00);
            odd = Avx.Shuffle(a, b, 0b11_01_11_01);
        }

        /// <summary>4 floats from offset of a row in the lower half, 4 from the same offset of the row stride floats on in the upper.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Halves(ref float row, int stride, int offset) =>
            Avx.InsertVector128(Vector128.LoadUnsafe(ref row, (nuint)offset).ToVector256Unsafe(), Vector128.LoadUnsafe(ref row, (nuint)(offset + stride)), 1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreTwo(Vector256<float> v, ref float values, int count, int i)
        {
            v.GetLower().StoreUnsafe(ref values, (nuint)i);
            v.GetUpper().StoreUnsafe(ref values, (nuint)(i + count));
        }

        /// <summary>Stores SplitTwo's halves of even and odd columns back as 8 floats from window i of each of the two rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MergeTwo(ref float row, int stride, int i, Vector256<float> even, Vector256<float> odd)
        {
            Vector256<float> low = Avx.UnpackLow(even, odd), high = Avx.UnpackHigh(even, odd);
            low.GetLower().StoreUnsafe(ref row, (nuint)(2 * i));
            high.GetLower().StoreUnsafe(ref row, (nuint)(2 * i + 4));
            low.GetUpper().StoreUnsafe(ref row, (nuint)(2 * i + stride));
            high.GetUpper().StoreUnsafe(ref row, (nuint)(2 * i + 4 + stride));
        }

        /// <summary>8 consecutive windows' values in Split's window order, or back (swapping the middle 64-bit quarters is its own inverse).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> InWindowOrder(Vector256<float> v) => Avx2.Permute4x64(v.AsDouble(), 0b11_01_10_00).AsSingle();

        /// <summary>Stores 8 windows' even and odd columns (in Split's window order) as the row's 16 floats from window i.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Merge(ref float row, int i, Vector256<float> even, Vector256<float> odd)
        {
            Avx.UnpackLow(even, odd).StoreUnsafe(ref row, (nuint)(2 * i));
            Avx.UnpackHigh(even, odd).StoreUnsafe(ref row, (nuint)(2 * i + 8));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Merge(ref float row, int i, Vector128<float> even, Vector128<float> odd)
        {
            Sse.UnpackLow(even, odd).StoreUnsafe(ref row, (nuint)(2 * i));
            Sse.UnpackHigh(even, odd).StoreUnsafe(ref row, (nuint)(2 * i + 4));
        }
    }
}
