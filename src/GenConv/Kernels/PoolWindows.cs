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

        /// <summary>PyTorch's max update lane by lane: v replaces max where v &gt; max or v is NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Max(Vector256<float> max, Vector256<float> v) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v), v, max);

        /// <summary>
        /// The start of each 8-wide step over windows [first, end): the last step moves back to end there, so no scalar
        /// tail is left; the windows it repeats get the same values again.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Next(int column, int end) => column + 8 > end - 8 && column + 8 < end ? end - 8 : column + 8;
    }
}
