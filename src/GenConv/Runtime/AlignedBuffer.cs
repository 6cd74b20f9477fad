using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenConv
{
    /// <summary>
    /// Model buffers whose data starts on a 64-byte boundary (a cache line, one 512-bit vector). Each is allocated on the
    /// pinned object heap with 15 floats of slack, so the aligned start never moves. Without it a buffer's alignment is
    /// wherever the allocator put it: misaligned 512-bit loads and stores each touch two cache lines, and the same model
    /// measured anywhere from 23 to 32 µs on L5 forward depending on where its buffers landed.
    /// </summary>
    public static unsafe class AlignedBuffer
    {
        /// <summary>Floats allocated beyond the requested length, to reach the next 64-byte boundary.</summary>
        public const int SlackFloats = 15;

        /// <summary>A zeroed, pinned buffer of at least <paramref name="floats"/> floats from a 64-byte boundary.</summary>
        public static float[] Allocate(long floats) => GC.AllocateArray<float>(checked((int)(floats + SlackFloats)), pinned: true);

        /// <summary>The first 64-byte-aligned float of a buffer from <see cref="Allocate"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref float Start(float[] buffer)
        {
            ref float first = ref MemoryMarshal.GetArrayDataReference(buffer);
            nint misaligned = ((nint)Unsafe.AsPointer(ref first) & 63) / sizeof(float);
            return ref Unsafe.Add(ref first, (16 - misaligned) & 15);
        }

        /// <summary>The first <paramref name="length"/> floats of a buffer from <see cref="Allocate"/>, from its aligned start.</summary>
        public static Span<float> Span(float[] buffer, int length) => MemoryMarshal.CreateSpan(ref Start(buffer), length);
    }
}
