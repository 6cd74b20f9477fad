using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GenConv.Training
{
    /// <summary>
    /// Stochastic gradient descent with torch.optim.SGD's exact update: g ← ∇ + weight_decay·θ; with momentum,
    /// b ← g on the first step, else b ← momentum·b + (1 − dampening)·g; g ← nesterov ? g + momentum·b : b;
    /// θ ← θ − lr·g. Its buffer is allocated once; a step allocates nothing.
    /// </summary>
    public sealed class Sgd : IOptimizer
    {
        private readonly float[] momentumBuffer;

        public Sgd(int parameterCount, float learningRate, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false)
        {
            if (parameterCount < 0) throw new ArgumentOutOfRangeException(nameof(parameterCount));
            if (!(learningRate >= 0) || float.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be finite and non-negative.");
            if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be non-negative.");
            if (nesterov && (momentum <= 0 || dampening != 0))
                throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening (as in PyTorch).", nameof(nesterov));
            momentumBuffer = new float[momentum != 0 ? parameterCount : 0];
            LearningRate = learningRate;
            Momentum = momentum;
            Dampening = dampening;
            WeightDecay = weightDecay;
            Nesterov = nesterov;
        }

        public float LearningRate { get; set; }
        public float Momentum { get; }
        public float Dampening { get; }
        public float WeightDecay { get; }
        public bool Nesterov { get; }
        public Span<float> State => momentumBuffer;
        public int StepCount { get; set; }

        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            if (gradients.Length != parameters.Length)
                throw new ArgumentException($"gradients must hold {parameters.Length} floats, but has {gradients.Length}.", nameof(gradients));
            if (Momentum != 0 && momentumBuffer.Length != parameters.Length)
                throw new ArgumentException($"this optimizer was built for {momentumBuffer.Length} parameters, not {parameters.Length}.", nameof(parameters));
            // Element-wise, the same operations in the same order on each lane as in the scalar tail: bit-identical either way.
            float learningRate = LearningRate, weightDecay = WeightDecay, momentum = Momentum, keep = 1 - Dampening;
            bool firstStep = StepCount <= 0, nesterov = Nesterov;
            ref float theta = ref MemoryMarshal.GetReference(parameters);
            ref float gradient = ref MemoryMarshal.GetReference(gradients);
            ref float buffer = ref MemoryMarshal.GetArrayDataReference(momentumBuffer);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
                for (; i <= parameters.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector<float> p = Vector.LoadUnsafe(ref theta, (nuint)i), g = Vector.LoadUnsafe(ref gradient, (nuint)i);
                    if (weightDecay != 0) g += weightDecay * p;
                    if (momentum != 0)
                    {
                        Vector<float> b = firstStep ? g : momentum * Vector.LoadUnsafe(ref buffer, (nuint)i) + keep * g;
                        b.StoreUnsafe(ref buffer, (nuint)i);
                        g = nesterov ? g + momentum * b : b;
                    }
                    (p - learningRate * g).StoreUnsafe(ref theta, (nuint)i);
                }
            for (; i < parameters.Length; i++)
            {
                float g = gradients[i];
                if (weightDecay != 0) g += weightDecay * parameters[i];
                if (momentum != 0)
                {
                    float b = firstStep ? g : momentum * momentumBuffer[i] + keep * g;
                    momentumBuffer[i] = b;
                    g = nesterov ? g + momentum * b : b;
                }
                parameters[i] -= learningRate * g;
            }
            StepCount++;
        }
    }
}
