using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GenConv.Training
{
    /// <summary>
    /// Adam and AdamW with torch.optim's update rules (amsgrad off): with L2 weight decay (Adam) g ← g + wd·θ, or
    /// decoupled (AdamW) θ ← θ·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
    /// θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε). Bias corrections are computed in double, as Python does.
    /// </summary>
    public sealed class Adam : ElementwiseOptimizer
    {
        private readonly float[] state; // the first moments m, then the second moments v, from a cache line (AlignedBuffer)
        private readonly int count;

        public Adam(int parameterCount, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f,
            float weightDecay = 0f, bool decoupledWeightDecay = false)
            : base(learningRate)
        {
            if (parameterCount < 0) throw new ArgumentOutOfRangeException(nameof(parameterCount));
            if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
            if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
            if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
            state = AlignedBuffer.Allocate(2L * parameterCount <= Array.MaxLength - AlignedBuffer.SlackFloats ? 2 * parameterCount : throw new ArgumentOutOfRangeException(nameof(parameterCount)));
            count = parameterCount;
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
            WeightDecay = weightDecay;
            DecoupledWeightDecay = decoupledWeightDecay;
        }

        /// <summary>AdamW: Adam with decoupled weight decay (PyTorch's default weight_decay for AdamW is 0.01).</summary>
        public static Adam AdamW(int parameterCount, float learningRate = 1e-3f, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) =>
            new Adam(parameterCount, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: true);

        public float Beta1 { get; }
        public float Beta2 { get; }
        public float Epsilon { get; }
        public float WeightDecay { get; }
        public bool DecoupledWeightDecay { get; }
        public override Span<float> State => AlignedBuffer.Span(state, 2 * count);
        public override int StatePerParameter => 2;

        public override void CheckLengths(int parameters, int gradients)
        {
            if (parameters != count)
                throw new ArgumentException($"this optimizer was built for {count} parameters, not {parameters}.", nameof(parameters));
            base.CheckLengths(parameters, gradients);
        }

        protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int start, int length)
        {
            int step = StepCount + 1;
            parameters = parameters.Slice(start, length);
            gradients = gradients.Slice(start, length);
            Span<float> all = State, m = all.Slice(start, length), v = all.Slice(count + start, length);
            double correction1 = 1 - Math.Pow(Beta1, step), correction2 = 1 - Math.Pow(Beta2, step);
            float stepSize = (float)(LearningRate / correction1);
            float correction2Sqrt = (float)Math.Sqrt(correction2);
            float decay = DecoupledWeightDecay ? 1f - LearningRate * WeightDecay : 1f;
            // Element-wise, the same operations in the same order on each lane as in the scalar tail: bit-identical either
            // way, and for any cut into ranges.
            float weightDecay = DecoupledWeightDecay ? 0f : WeightDecay, keep1 = 1 - Beta1, beta2 = Beta2, keep2 = 1 - Beta2, epsilon = Epsilon;
            bool decoupled = DecoupledWeightDecay;
            ref float theta = ref MemoryMarshal.GetReference(parameters);
            ref float gradient = ref MemoryMarshal.GetReference(gradients);
            ref float first = ref MemoryMarshal.GetReference(m);
            ref float second = ref MemoryMarshal.GetReference(v);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
                for (; i <= parameters.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector<float> p = Vector.LoadUnsafe(ref theta, (nuint)i), g = Vector.LoadUnsafe(ref gradient, (nuint)i);
                    if (weightDecay != 0) g += weightDecay * p;
                    if (decoupled) p *= decay;
                    Vector<float> mi = Vector.LoadUnsafe(ref first, (nuint)i), vi = Vector.LoadUnsafe(ref second, (nuint)i);
                    mi += (g - mi) * keep1;
                    vi = vi * beta2 + keep2 * g * g;
                    mi.StoreUnsafe(ref first, (nuint)i);
                    vi.StoreUnsafe(ref second, (nuint)i);
                    Vector<float> denominator = Vector.SquareRoot(vi) / correction2Sqrt + new Vector<float>(epsilon);
                    (p - stepSize * (mi / denominator)).StoreUnsafe(ref theta, (nuint)i);
                }
            for (; i < parameters.Length; i++)
            {
                float g = gradients[i];
                if (weightDecay != 0) g += weightDecay * parameters[i];
                if (decoupled) parameters[i] *= decay;
                m[i] += (g - m[i]) * keep1;                // exp_avg.lerp_(grad, 1 − β1)
                v[i] = v[i] * beta2 + keep2 * g * g;       // exp_avg_sq.mul_(β2).addcmul_(grad, grad, 1 − β2)
                float denominator = MathF.Sqrt(v[i]) / correction2Sqrt + epsilon;
                parameters[i] -= stepSize * (m[i] / denominator);
            }
        }
    }
}
