using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GenConv.Kernels
{
    /// <summary>
    /// The vector steps of pooling over general windows: 8 windows side by side, each lane doing the scalar kernel's
    /// operations in its order, so both give the same bits (ties, NaN and ±0 included).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class PoolWindows
    {
        /// <summary>
        /// One tap of 8 windows whose origins are <paramref name="stride"/> apart (1 or 2): the 8 floats from
        /// <paramref name="source"/>, or at stride 2 the even ones of the 16 from there (all 16 are read).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Tap(ref float source, int stride)
        {
            if (stride == 1) return Vector256.LoadUnsafe(ref source);
            Interleave.Split(ref source, out Vector256<float> even, out _);
            return even;
        }

        /// <summary>
        /// Adds <paramref name="add"/> to one tap's elements of 8 windows whose origins are <paramref name="stride"/> apart
        /// (1 or 2), in place: at stride 2 the 16 floats from <paramref name="destination"/> are read and written, the odd
        /// ones unchanged. Backward's vector step: a lane with nothing to add adds +0, which changes no gradient (a sum
        /// that starts at +0 never becomes −0).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddTap(ref float destination, int stride, Vector256<float> add)
        {
            if (stride == 1)
            {
                (Vector256.LoadUnsafe(ref destination) + add).StoreUnsafe(ref destination);
                return;
            }
            Interleave.Split(ref destination, out Vector256<float> even, out Vector256<float> odd);
            Interleave.Merge(even + add, odd, ref destination);
        }

        /// <summary>
        /// One tap of the max scan that also tracks where each lane's maximum is: <paramref name="arg"/> takes
        /// <paramref name="tap"/> wherever <paramref name="v"/> wins, as the scalar kernel's arg-max does.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> ArgMax(Vector256<float> max, Vector256<float> v, Vector256<int> arg, int tap) =>
            Vector256.ConditionalSelect(Wins(v, max).AsInt32(), Vector256.Create(tap), arg);

        /// <summary>dY in the lanes whose arg-max is <paramref name="tap"/>, +0 in the others.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> AtArgMax(Vector256<int> arg, int tap, Vector256<float> dy) =>
            Vector256.ConditionalSelect(Vector256.Equals(arg, Vector256.Create(tap)).AsSingle(), dy, Vector256<float>.Zero);

        /// <summary>PyTorch's max update lane by lane: v replaces max where v &gt; max or v is NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Max(Vector256<float> max, Vector256<float> v) => Vector256.ConditionalSelect(Wins(v, max), v, max);

        /// <summary>The lanes where v takes the max's place under PyTorch's rule, v &gt; max || isnan(v).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector256<float> Wins(Vector256<float> v, Vector256<float> max) =>
            Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v);

        /// <summary>
        /// The window index of each vector step over windows [i, count), <paramref name="lanes"/> at a time: the last step
        /// is moved back to end at count, so no scalar tail (whose data-dependent branches mispredict on random values) is
        /// left. The windows a step repeats get the same values again from the same inputs, so a caller must write its
        /// results (a forward, or a backward whose windows are disjoint), never add them.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Next(int i, int lanes, int count) => i + lanes > count - lanes && i + lanes < count ? count - lanes : i + lanes;
    }
}
