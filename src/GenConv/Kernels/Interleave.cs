using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenConv.Kernels
{
    /// <summary>
    /// Splits rows into their even and odd columns and back: how stride-2 convolutions move between the plain layout and
    /// their phase-split padded one (consecutive output pixels then read consecutive floats). Pure data movement, so
    /// every path gives the same bits; vectors where the hardware has them, because a scalar copy costs as much as the
    /// convolution itself on small layers.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Interleave
    {
        /// <summary>even[i] = source[2i] and odd[i] = source[2i + 1] for i &lt; pairs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Split(ref float source, ref float even, ref float odd, int pairs)
        {
            int i = 0;
            if (Avx512F.IsSupported)
            {
                for (; i <= pairs - 16; i += 16)
                {
                    Split(ref Unsafe.Add(ref source, 2 * i), out Vector512<float> e, out Vector512<float> o);
                    e.StoreUnsafe(ref even, (nuint)i);
                    o.StoreUnsafe(ref odd, (nuint)i);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i <= pairs - 8; i += 8)
                {
                    Split(ref Unsafe.Add(ref source, 2 * i), out Vector256<float> e, out Vector256<float> o);
                    e.StoreUnsafe(ref even, (nuint)i);
                    o.StoreUnsafe(ref odd, (nuint)i);
                }
            }
            for (; i < pairs; i++)
            {
                Unsafe.Add(ref even, i) = Unsafe.Add(ref source, 2 * i);
                Unsafe.Add(ref odd, i) = Unsafe.Add(ref source, 2 * i + 1);
            }
        }

        /// <summary>destination[2i] = even[i] and destination[2i + 1] = odd[i] for i &lt; pairs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Merge(ref float even, ref float odd, ref float destination, int pairs)
        {
            int i = 0;
            if (Avx512F.IsSupported)
            {
                for (; i <= pairs - 16; i += 16)
                    Merge(Vector512.LoadUnsafe(ref even, (nuint)i), Vector512.LoadUnsafe(ref odd, (nuint)i), ref Unsafe.Add(ref destination, 2 * i));
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i <= pairs - 8; i += 8)
                    Merge(Vector256.LoadUnsafe(ref even, (nuint)i), Vector256.LoadUnsafe(ref odd, (nuint)i), ref Unsafe.Add(ref destination, 2 * i));
            }
            for (; i < pairs; i++)
            {
                Unsafe.Add(ref destination, 2 * i) = Unsafe.Add(ref even, i);
                Unsafe.Add(ref destination, 2 * i + 1) = Unsafe.Add(ref odd, i);
            }
        }

        /// <summary>The 16 floats at source as their 8 even and 8 odd elements (callers check Vector256 acceleration).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Split(ref float source, out Vector256<float> even, out Vector256<float> odd)
        {
            // Each half becomes (its 4 evens, its 4 odds); the two halves' evens, then odds, make the outputs.
            Vector256<int> evenFirst = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source), evenFirst);
            Vector256<float> b = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, 8), evenFirst);
            even = Vector256.Create(a.GetLower(), b.GetLower());
            odd = Vector256.Create(a.GetUpper(), b.GetUpper());
        }

        /// <summary>The 32 floats at source as their 16 even and 16 odd elements: one two-register permute each (callers check <see cref="Avx512F"/> support).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Split(ref float source, out Vector512<float> even, out Vector512<float> odd)
        {
            Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            Vector512<float> a = Vector512.LoadUnsafe(ref source), b = Vector512.LoadUnsafe(ref source, 16);
            even = Avx512F.PermuteVar16x32x2(a, evens, b);
            odd = Avx512F.PermuteVar16x32x2(a, evens + Vector512<int>.One, b);
        }

        /// <summary>Stores 16 even and 16 odd floats interleaved as 32 floats at destination (callers check <see cref="Avx512F"/> support).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Merge(Vector512<float> even, Vector512<float> odd, ref float destination)
        {
            Vector512<int> low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            Avx512F.PermuteVar16x32x2(even, low, odd).StoreUnsafe(ref destination);
            Avx512F.PermuteVar16x32x2(even, low + Vector512.Create(8), odd).StoreUnsafe(ref destination, 16);
        }

        /// <summary>
        /// Stores even and odd interleaved as 2 · Vector&lt;float&gt;.Count floats at destination, on whatever width
        /// Vector&lt;float&gt; has here (the branch is a JIT-time constant). The other widths sit in a method of their own:
        /// the JIT charges a caller's inlining budget by the IL it inlines, and a gather tile inlines dozens of these.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Merge(Vector<float> even, Vector<float> odd, ref float destination)
        {
            if (Vector<float>.Count == 8 && Vector256.IsHardwareAccelerated)
                Merge(even.AsVector256(), odd.AsVector256(), ref destination);
            else
                MergeOtherWidths(even, odd, ref destination);
        }

        private static void MergeOtherWidths(Vector<float> even, Vector<float> odd, ref float destination)
        {
            if (Vector<float>.Count == 16 && Avx512F.IsSupported)
                Merge(even.AsVector512(), odd.AsVector512(), ref destination);
            else if (Vector<float>.Count == 4 && Sse.IsSupported)
            {
                Sse.UnpackLow(even.AsVector128(), odd.AsVector128()).StoreUnsafe(ref destination);
                Sse.UnpackHigh(even.AsVector128(), odd.AsVector128()).StoreUnsafe(ref destination, 4);
            }
            else
            {
                for (int i = 0; i < Vector<float>.Count; i++)
                {
                    Unsafe.Add(ref destination, 2 * i) = even[i];
                    Unsafe.Add(ref destination, 2 * i + 1) = odd[i];
                }
            }
        }

        /// <summary>
        /// The first half of a <see cref="Merge(Vector{float}, Vector{float}, ref float)"/> done in two passes: stores
        /// even's elements at the even positions of 2 · Vector&lt;float&gt;.Count floats at destination, and copies of
        /// them at the odd positions, which <see cref="MergeOdd(Vector{float}, ref float)"/> sets next.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MergeEven(Vector<float> even, ref float destination)
        {
            if (Vector<float>.Count == 8 && Vector256.IsHardwareAccelerated)
                Merge(even.AsVector256(), even.AsVector256(), ref destination);
            else
                MergeOtherWidths(even, even, ref destination);
        }

        /// <summary>
        /// Sets the odd elements of the 2 · Vector&lt;float&gt;.Count floats at destination to odd's and keeps the even ones:
        /// the second half of a merge in two passes (<see cref="MergeEven(Vector{float}, ref float)"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MergeOdd(Vector<float> odd, ref float destination)
        {
            if (Vector<float>.Count == 8 && Vector256.IsHardwareAccelerated)
                MergeOdd(odd.AsVector256(), ref destination);
            else
                MergeOddOtherWidths(odd, ref destination);
        }

        private static void MergeOddOtherWidths(Vector<float> odd, ref float destination)
        {
            for (int i = 0; i < Vector<float>.Count; i++)
                Unsafe.Add(ref destination, 2 * i + 1) = odd[i];
        }

        /// <summary>Sets the odd elements of the 16 floats at destination to odd's (callers check Vector256 acceleration).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MergeOdd(Vector256<float> odd, ref float destination)
        {
            const byte oddLanes = 0b1010_1010;
            var (low, high) = Zip(odd, odd);
            Avx.Blend(Vector256.LoadUnsafe(ref destination), low, oddLanes).StoreUnsafe(ref destination);
            Avx.Blend(Vector256.LoadUnsafe(ref destination, 8), high, oddLanes).StoreUnsafe(ref destination, 8);
        }

        /// <summary>Stores even and odd interleaved as 16 floats at destination (callers check Vector256 acceleration).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Merge(Vector256<float> even, Vector256<float> odd, ref float destination)
        {
            var (low, high) = Zip(even, odd);
            low.StoreUnsafe(ref destination);
            high.StoreUnsafe(ref destination, 8);
        }

        /// <summary>
        /// (a0 b0 a1 b1 a2 b2 a3 b3) and (a4 b4 … a7 b7): in-lane unpacks, then lane selects, all with immediate controls.
        /// A constant index vector (what a Shuffle takes) is hoisted by the JIT and held in a register across the
        /// kernel's loops around it, which made a 12-accumulator gather tile spill one accumulator in its inner loop.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector256<float> Low, Vector256<float> High) Zip(Vector256<float> a, Vector256<float> b)
        {
            Vector256<float> low = Avx.UnpackLow(a, b), high = Avx.UnpackHigh(a, b); // (a0 b0 a1 b1 | a4 b4 a5 b5), (a2 b2 a3 b3 | a6 b6 a7 b7)
            return (Avx.Permute2x128(low, high, 0x20), Avx.Permute2x128(low, high, 0x31));
        }
    }
}
