using System;

namespace GenConv.Training
{
    /// <summary>Softmax cross-entropy over integer labels, mean over the batch (PyTorch's nn.CrossEntropyLoss default).</summary>
    public static class SoftmaxCrossEntropy
    {
        /// <summary>Returns the mean loss and writes dLoss/dLogits (softmax − one-hot, divided by the batch) into <paramref name="gradient"/>.</summary>
        public static float Compute(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, Span<float> gradient)
        {
            if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be at least 1.");
            int batch = labels.Length;
            if (batch == 0) throw new ArgumentException("labels must hold at least 1 label, but has 0.", nameof(labels));
            if (logits.Length != batch * classes)
                throw new ArgumentException($"logits must hold {batch} × {classes} = {batch * classes} floats, but has {logits.Length}.", nameof(logits));
            if (gradient.Length != logits.Length)
                throw new ArgumentException($"gradient must hold {logits.Length} floats, but has {gradient.Length}.", nameof(gradient));
            for (int n = 0; n < batch; n++)
                if ((uint)labels[n] >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(labels), labels[n], $"label {n} must be in [0, {classes}).");

            double loss = 0;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> z = logits.Slice(n * classes, classes);
                Span<float> g = gradient.Slice(n * classes, classes);
                float max = float.NegativeInfinity;
                foreach (float v in z) max = MathF.Max(max, v);
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.Exp(z[c] - max);
                double logSum = Math.Log(sum) + max;
                loss += logSum - z[labels[n]];
                for (int c = 0; c < classes; c++)
                    g[c] = (float)((Math.Exp(z[c] - logSum) - (c == labels[n] ? 1 : 0)) / batch);
            }
            return (float)(loss / batch);
        }
    }
}
