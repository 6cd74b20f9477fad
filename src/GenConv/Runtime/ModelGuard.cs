using System;

namespace GenConv
{
    /// <summary>
    /// Argument checks shared by every model's public entry points. Kernels run on unchecked refs, so all
    /// lengths are validated here, before any of them runs, with messages naming expected and actual sizes.
    /// </summary>
    public static class ModelGuard
    {
        /// <summary>Returns the batch size of a Forward call, or throws naming the bad argument.</summary>
        public static int ForwardBatch(int inputLength, int outputLength, int maxBatch, int inputSpanLength, int outputSpanLength)
        {
            if (inputSpanLength == 0 || inputSpanLength % inputLength != 0)
                throw new ArgumentException(
                    $"input must hold a whole, non-zero number of samples of {inputLength} floats, but has {inputSpanLength} floats.", "input");
            int batch = inputSpanLength / inputLength;
            if (batch > maxBatch)
                throw new ArgumentOutOfRangeException("input", $"input holds {batch} samples ({inputSpanLength} floats), but the model was built for at most {maxBatch} samples (maxBatch).");
            if (outputSpanLength != batch * outputLength)
                throw new ArgumentException(
                    $"output must hold {batch} samples of {outputLength} floats = {batch * outputLength} floats, but has {outputSpanLength}.", "output");
            return batch;
        }

        /// <summary>Checks a Backward call against the batch of the preceding Forward.</summary>
        public static void Backward(int inputLength, int outputLength, int batch, int outputGradientLength, int inputGradientLength)
        {
            if (batch == 0)
                throw new InvalidOperationException("Backward needs a Forward on the same batch first (Infer keeps nothing for it).");
            if (outputGradientLength != batch * outputLength)
                throw new ArgumentException(
                    $"outputGradient must hold {batch} samples of {outputLength} floats = {batch * outputLength} floats (the last Forward's batch), but has {outputGradientLength}.", "outputGradient");
            if (inputGradientLength != 0 && inputGradientLength != batch * inputLength)
                throw new ArgumentException(
                    $"inputGradient must be empty or hold {batch} samples of {inputLength} floats = {batch * inputLength} floats, but has {inputGradientLength}.", "inputGradient");
        }

        /// <summary>
        /// Checks maxBatch, including that maxBatch × <paramref name="largestBufferFloatsPerSample"/> fits in an array:
        /// buffer sizes are int products, and one that wrapped around would let kernels write past a buffer.
        /// </summary>
        public static void MaxBatch(int maxBatch, long largestBufferFloatsPerSample)
        {
            if (maxBatch < 1)
                throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "maxBatch must be at least 1.");
            if ((long)maxBatch * largestBufferFloatsPerSample > Array.MaxLength)
                throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch,
                    $"maxBatch {maxBatch} needs a buffer of {(long)maxBatch * largestBufferFloatsPerSample} floats, more than an array can hold; the largest possible maxBatch is {Array.MaxLength / largestBufferFloatsPerSample}.");
        }

        /// <summary>
        /// Before a model's Threads grows: its kernel scratch, one slot per thread (<paramref name="slotFloats"/>, then
        /// <paramref name="gapFloats"/> unused before the next), must fit one array.
        /// </summary>
        public static void ScratchThreads(int threads, long slotFloats, long gapFloats)
        {
            long floats = threads * (slotFloats + gapFloats) - gapFloats, largest = Array.MaxLength - AlignedBuffer.SlackFloats;
            if (floats > largest)
                throw new ArgumentOutOfRangeException("value", threads,
                    $"Threads = {threads} needs {floats} floats of kernel scratch, more than an array can hold; the most threads possible is {(largest + gapFloats) / (slotFloats + gapFloats)}.");
        }
    }
}
