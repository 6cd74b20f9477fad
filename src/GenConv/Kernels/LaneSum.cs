using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GenConv.Kernels
{
    /// <summary>
    /// The fixed reduction order behind the generated dot products (dense layers; <see cref="Of16"/> for weight gradients summed over pixel vectors): a reduction accumulates into 8 lanes
    /// (lane j takes the elements j, j + 8, j + 16, … of each run), whatever the hardware's vector width, and the lanes
    /// are then added in one fixed tree, ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). One 256-bit vector, two
    /// 128-bit vectors or eight floats hold the same lanes, so results are bit-identical on AVX-512, AVX2, SSE, Arm and
    /// without SIMD.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class LaneSum
    {
        public const int Lanes = 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Of(Vector256<float> lanes) => Of(lanes.GetLower(), lanes.GetUpper());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Of(Vector128<float> low, Vector128<float> high)
        {
            Vector128<float> a = low + high; // a[j] = l[j] + l[j + 4]
            return (a.GetElement(0) + a.GetElement(2)) + (a.GetElement(1) + a.GetElement(3));
        }

        /// <summary>
        /// The 16 floats at <paramref name="lanes"/> (one 512-bit accumulator's lanes, as the pixel-vector weight gradients
        /// keep them) in one fixed tree: lanes j and j + 8 first, then the 8-lane tree. Scalar, so the same on every machine.
        /// </summary>
        public static float Of16(ref float lanes) => Of(
            lanes + Unsafe.Add(ref lanes, 8), Unsafe.Add(ref lanes, 1) + Unsafe.Add(ref lanes, 9),
            Unsafe.Add(ref lanes, 2) + Unsafe.Add(ref lanes, 10), Unsafe.Add(ref lanes, 3) + Unsafe.Add(ref lanes, 11),
            Unsafe.Add(ref lanes, 4) + Unsafe.Add(ref lanes, 12), Unsafe.Add(ref lanes, 5) + Unsafe.Add(ref lanes, 13),
            Unsafe.Add(ref lanes, 6) + Unsafe.Add(ref lanes, 14), Unsafe.Add(ref lanes, 7) + Unsafe.Add(ref lanes, 15));

        /// <summary>
        /// <see cref="Of16"/> of the lane-wise sums of <paramref name="parts"/> sets of 16 lanes, <paramref name="stride"/>
        /// floats apart, added in set order (one set per part of the batch). A 128-bit vector add is its lanes' scalar adds,
        /// with or without SIMD, so every machine gets the same bits.
        /// </summary>
        public static float Of16Parts(ref float lanes, int stride, int parts)
        {
            Span<float> sum = stackalloc float[16];
            for (int quarter = 0; quarter < 16; quarter += 4)
            {
                Vector128<float> s = Vector128.LoadUnsafe(ref lanes, (nuint)quarter);
                for (int part = 1; part < parts; part++) s += Vector128.LoadUnsafe(ref lanes, (nuint)(part * stride + quarter));
                s.StoreUnsafe(ref sum[quarter]);
            }
            return Of16(ref sum[0]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Of(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) =>
            ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }
}
