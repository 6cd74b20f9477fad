using System;

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
            for (int i = 0; i < parameters.Length; i++)
            {
                float g = gradients[i];
                if (WeightDecay != 0) g += WeightDecay * parameters[i];
                if (Momentum != 0)
                {
                    float b = StepCount > 0 ? Momentum * momentumBuffer[i] + (1 - Dampening) * g : g;
                    momentumBuffer[i] = b;
                    g = Nesterov ? g + Momentum * b : b;
                }
                parameters[i] -= LearningRate * g;
            }
            StepCount++;
        }
    }
}
