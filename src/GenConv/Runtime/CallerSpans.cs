using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenConv
{
    /// <summary>
    /// The caller's two spans of one Forward (input, output) or Backward (output gradient, input gradient), pinned
    /// while the pass runs so that every thread's kernels read and write them in place: the first layer reads the
    /// caller's input and the last writes the caller's output directly, with no copy in or out of the model's buffers.
    /// A model holds one instance and runs one pass at a time through it.
    /// </summary>
    public sealed unsafe class CallerSpans
    {
        private float* source, target;

        /// <summary>The first float of the source span (input or output gradient); only valid inside <see cref="Run"/>.</summary>
        public ref float Source => ref Unsafe.AsRef<float>(source);

        /// <summary>The first float of the target span (output or input gradient); only valid inside <see cref="Run"/>.</summary>
        public ref float Target => ref Unsafe.AsRef<float>(target);

        /// <summary>Whether the target span of the running pass has any floats (an empty input gradient is skipped).</summary>
        public bool HasTarget => target != null;

        /// <summary>Runs <paramref name="pass"/> with both spans pinned and reachable from any thread through <see cref="Source"/> and <see cref="Target"/>.</summary>
        public void Run(ReadOnlySpan<float> sourceSpan, Span<float> targetSpan, Action pass)
        {
            ArgumentNullException.ThrowIfNull(pass);
            // Kernels write the target while other threads still read the source: the two may not share memory.
            if (sourceSpan.Overlaps(targetSpan))
                throw new ArgumentException("The spans of one call must not overlap: Forward's input and output, or Backward's outputGradient and inputGradient.");
            fixed (float* s = sourceSpan)
            fixed (float* t = targetSpan)
            {
                source = s;
                target = t;
                try
                {
                    pass();
                }
                finally
                {
                    source = null;
                    target = null;
                }
            }
        }

        /// <summary>Copies samples [start, end) of <paramref name="sampleLength"/> floats each from one batch buffer to another.</summary>
        public static void CopySamples(ref float from, ref float to, int start, int end, int sampleLength)
        {
            nint offset = (nint)start * sampleLength;
            int length = (end - start) * sampleLength;
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref from, offset), length).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref to, offset), length));
        }
    }
}
