using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenConv.Training
{
    /// <summary>
    /// Stochastic gradient descent with torch.optim.SGD's exact update: g ← ∇ + weight_decay·θ; with momentum,
    /// b ← g on the first step, else b ← momentum·b + (1 − dampening)·g; g ← nesterov ? g + momentum·b : b;
    /// θ ← θ − lr·g. Its buffer is allocated once; a step allocates nothing.
    /// </summary>
    public sealed class Sgd : ElementwiseOptimizer
    {
        // Cache-line aligned like the model's buffers, so that the model's parts (cut on lines) share no line of it.
        private readonly float[] momentumBuffer;
        private readonly int momentumLength;

        public Sgd(int parameterCount, float learningRate, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false)
            : base(learningRate)
        {
            if (parameterCount < 0) throw new ArgumentOutOfRangeException(nameof(parameterCount));
            if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be non-negative.");
            if (nesterov && (momentum <= 0 || dampening != 0))
                throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening (as in PyTorch).", nameof(nesterov));
            momentumLength = momentum != 0 ? parameterCount : 0;
            momentumBuffer = AlignedBuffer.Allocate(momentumLength);
            Momentum = momentum;
            Dampening = dampening;
            WeightDecay = weightDecay;
            Nesterov = nesterov;
        }

        public float Momentum { get; }
        public float Dampening { get; }
        public float WeightDecay { get; }
        public bool Nesterov { get; }
        public override Span<float> State => AlignedBuffer.Span(momentumBuffer, momentumLength);
        public override int StatePerParameter => Momentum != 0 ? 1 : 0;

        public override void CheckLengths(int parameters, int gradients)
        {
            base.CheckLengths(parameters, gradients);
            if (Momentum != 0 && momentumLength != parameters)
                throw new ArgumentException($"this optimizer was built for {momentumLength} parameters, not {parameters}.", nameof(parameters));
        }

        protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int start, int count)
        {
            // Element-wise, the same operations in the same order on each lane as in the scalar tail: bit-identical either
            // way, and for any cut into ranges.
            float learningRate = LearningRate, weightDecay = WeightDecay, momentum = Momentum, keep = 1 - Dampening;
            bool firstStep = StepCount <= 0, nesterov = Nesterov;
            ref float theta = ref MemoryMarshal.GetReference(parameters.Slice(start, count));
            ref float gradient = ref MemoryMarshal.GetReference(gradients.Slice(start, count));
            Span<float> momentumRange = momentum != 0 ? State.Slice(start, count) : default;
            ref float buffer = ref MemoryMarshal.GetReference(momentumRange);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
                for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
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
            for (; i < count; i++)
            {
                float g = Unsafe.Add(ref gradient, i);
                ref float p = ref Unsafe.Add(ref theta, i);
                if (weightDecay != 0) g += weightDecay * p;
                if (momentum != 0)
                {
                    ref float b = ref Unsafe.Add(ref buffer, i);
                    b = firstStep ? g : momentum * b + keep * g;
                    g = nesterov ? g + momentum * b : b;
                }
                p -= learningRate * g;
            }
        }
    }
}
