using System;

namespace GenConv.Training
{
    /// <summary>Mean squared error over every element (PyTorch's nn.MSELoss with reduction 'mean').</summary>
    public static class MeanSquaredError
    {
        /// <summary>Returns mean((y − t)²) and writes its gradient 2(y − t)/N into <paramref name="gradient"/>.</summary>
        public static float Compute(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> gradient)
        {
            if (output.Length == 0) throw new ArgumentException("output must not be empty.", nameof(output));
            if (target.Length != output.Length)
                throw new ArgumentException($"target must hold {output.Length} floats, but has {target.Length}.", nameof(target));
            if (gradient.Length != output.Length)
                throw new ArgumentException($"gradient must hold {output.Length} floats, but has {gradient.Length}.", nameof(gradient));
            double sum = 0;
            float scale = 2f / output.Length;
            for (int i = 0; i < output.Length; i++)
            {
                float difference = output[i] - target[i];
                sum += (double)difference * difference;
                gradient[i] = scale * difference;
            }
            return (float)(sum / output.Length);
        }
    }
}
