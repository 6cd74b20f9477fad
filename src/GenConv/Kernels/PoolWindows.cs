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
        /// One tap of 8 windows whose origins are <paramref name="stride"/> apart: every stride-th float from
        /// <paramref name="source"/>, 8 of them (at strides 1 to 4 all 8·stride floats from there are read).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Tap(ref float source, int stride)
        {
            switch (stride)
            {
                case 1:
                    return Vector256.LoadUnsafe(ref source);
                case 2:
                    Interleave.Split(ref source, out Vector256<float> even, out _);
                    return even;
                case 3:
                {
                    // Floats 0, 3, …, 21 sit in lanes {0, 3, 6} of the first vector, {1, 4, 7} of the second and {2, 5} of
                    // the third: disjoint, so two blends gather them and one shuffle puts them in order.
                    Vector256<float> blended = Vector256.ConditionalSelect(Third0, Vector256.LoadUnsafe(ref source),
                        Vector256.ConditionalSelect(Third1, Vector256.LoadUnsafe(ref source, 8), Vector256.LoadUnsafe(ref source, 16)));
                    return Vector256.Shuffle(blended, ThirdsInOrder);
                }
                case 4:
                {
                    // Floats 0, 4, …, 28: lanes 0 and 4 of each of four vectors, moved to lanes 2k and 2k + 1 and blended.
                    Vector256<float> low = Vector256.ConditionalSelect(Quarter0,
                        Vector256.Shuffle(Vector256.LoadUnsafe(ref source), Vector256.Create(0, 4, 0, 0, 0, 0, 0, 0)),
                        Vector256.Shuffle(Vector256.LoadUnsafe(ref source, 8), Vector256.Create(0, 0, 0, 4, 0, 0, 0, 0)));
                    Vector256<float> high = Vector256.ConditionalSelect(Quarter2,
                        Vector256.Shuffle(Vector256.LoadUnsafe(ref source, 16), Vector256.Create(0, 0, 0, 0, 0, 4, 0, 0)),
                        Vector256.Shuffle(Vector256.LoadUnsafe(ref source, 24), Vector256.Create(0, 0, 0, 0, 0, 0, 0, 4)));
                    return Vector256.ConditionalSelect(FirstHalf, low, high);
                }
                default:
                    // No shuffle reaches further: the 8 floats one by one. The windows' max (with its NaN and tie rules),
                    // sum and arg-max still go 8 at a time, without the scalar kernel's data-dependent branches.
                    return Vector256.Create(source, Unsafe.Add(ref source, stride), Unsafe.Add(ref source, 2 * stride),
                        Unsafe.Add(ref source, 3 * stride), Unsafe.Add(ref source, 4 * stride), Unsafe.Add(ref source, 5 * stride),
                        Unsafe.Add(ref source, 6 * stride), Unsafe.Add(ref source, 7 * stride));
            }
        }

        /// <summary>
        /// Adds <paramref name="add"/> to one tap's elements of 8 windows whose origins are <paramref name="stride"/> apart,
        /// in place: every stride-th float from <paramref name="destination"/>, 8 of them, the others unchanged (at strides
        /// 1 to 4 all 8·stride floats are read and written). Backward's vector step: a lane with nothing to add adds +0,
        /// which changes no gradient (a sum that starts at +0 never becomes −0).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddTap(ref float destination, int stride, Vector256<float> add)
        {
            switch (stride)
            {
                case 1:
                    (Vector256.LoadUnsafe(ref destination) + add).StoreUnsafe(ref destination);
                    return;
                case 2:
                    Interleave.Split(ref destination, out Vector256<float> even, out Vector256<float> odd);
                    Interleave.Merge(even + add, odd, ref destination);
                    return;
                case 3:
                {
                    // Tap in reverse: its shuffle is its own inverse, and each vector takes its blend lanes of the result.
                    Vector256<float> spread = Vector256.Shuffle(add, ThirdsInOrder);
                    AddLanes(ref destination, 0, Third0, spread);
                    AddLanes(ref destination, 8, Third1, spread);
                    AddLanes(ref destination, 16, Third2, spread);
                    return;
                }
                case 4:
                    AddLanes(ref destination, 0, Lanes0And4, Vector256.Shuffle(add, Vector256.Create(0, 0, 0, 0, 1, 0, 0, 0)));
                    AddLanes(ref destination, 8, Lanes0And4, Vector256.Shuffle(add, Vector256.Create(2, 0, 0, 0, 3, 0, 0, 0)));
                    AddLanes(ref destination, 16, Lanes0And4, Vector256.Shuffle(add, Vector256.Create(4, 0, 0, 0, 5, 0, 0, 0)));
                    AddLanes(ref destination, 24, Lanes0And4, Vector256.Shuffle(add, Vector256.Create(6, 0, 0, 0, 7, 0, 0, 0)));
                    return;
                default:
                    // The 8 positions are distinct, so adding lane by lane gives the bits of the scalar kernel's order.
                    Unsafe.Add(ref destination, 0) += add.ToScalar();
                    Unsafe.Add(ref destination, stride) += add.GetElement(1);
                    Unsafe.Add(ref destination, 2 * stride) += add.GetElement(2);
                    Unsafe.Add(ref destination, 3 * stride) += add.GetElement(3);
                    Vector128<float> upper = add.GetUpper();
                    Unsafe.Add(ref destination, 4 * stride) += upper.ToScalar();
                    Unsafe.Add(ref destination, 5 * stride) += upper.GetElement(1);
                    Unsafe.Add(ref destination, 6 * stride) += upper.GetElement(2);
                    Unsafe.Add(ref destination, 7 * stride) += upper.GetElement(3);
                    return;
            }
        }

        /// <summary>The 8 floats at destination + offset, plus <paramref name="add"/> in the lanes of <paramref name="lanes"/> and +0 in the others.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddLanes(ref float destination, int offset, Vector256<float> lanes, Vector256<float> add) =>
            (Vector256.LoadUnsafe(ref destination, (nuint)offset) + Vector256.ConditionalSelect(lanes, add, Vector256<float>.Zero))
                .StoreUnsafe(ref destination, (nuint)offset);

        // Lane masks (all bits set where a lane is chosen), and the order of the stride-3 blend's lanes.
        private static Vector256<float> Third0 => Mask(-1, 0, 0, -1, 0, 0, -1, 0);
        private static Vector256<float> Third1 => Mask(0, -1, 0, 0, -1, 0, 0, -1);
        private static Vector256<float> Third2 => Mask(0, 0, -1, 0, 0, -1, 0, 0);
        private static Vector256<int> ThirdsInOrder => Vector256.Create(0, 3, 6, 1, 4, 7, 2, 5);
        private static Vector256<float> Quarter0 => Mask(-1, -1, 0, 0, 0, 0, 0, 0);
        private static Vector256<float> Quarter2 => Mask(0, 0, 0, 0, -1, -1, 0, 0);
        private static Vector256<float> FirstHalf => Mask(-1, -1, -1, -1, 0, 0, 0, 0);
        private static Vector256<float> Lanes0And4 => Mask(-1, 0, 0, 0, -1, 0, 0, 0);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Mask(int e0, int e1, int e2, int e3, int e4, int e5, int e6, int e7) =>
            Vector256.Create(e0, e1, e2, e3, e4, e5, e6, e7).AsSingle();

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

        /// <inheritdoc cref="Wins(Vector256{float}, Vector256{float})"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector128<float> Wins(Vector128<float> v, Vector128<float> max) =>
            Vector128.GreaterThan(v, max) | ~Vector128.Equals(v, v);

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
