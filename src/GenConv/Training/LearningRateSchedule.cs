using System;

namespace GenConv.Training
{
    /// <summary>The learning rate for each epoch, with PyTorch's formulas (CosineAnnealingLR, StepLR), applied per epoch.</summary>
    public abstract class LearningRateSchedule
    {
        /// <summary>The learning rate of epoch <paramref name="epoch"/> (0-based).</summary>
        public abstract float At(int epoch);

        public static LearningRateSchedule Constant(float learningRate) => new ConstantSchedule(learningRate);

        /// <summary>η_e = η_min + (η₀ − η_min)(1 + cos(π·e / epochs)) / 2, as CosineAnnealingLR with T_max = epochs.</summary>
        public static LearningRateSchedule Cosine(float learningRate, int epochs, float minimum = 0f)
        {
            if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be at least 1.");
            return new CosineSchedule(learningRate, epochs, minimum);
        }

        /// <summary>η_e = η₀ · γ^⌊e / stepSize⌋, as StepLR.</summary>
        public static LearningRateSchedule Step(float learningRate, int stepSize, float gamma = 0.1f)
        {
            if (stepSize < 1) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be at least 1.");
            return new StepSchedule(learningRate, stepSize, gamma);
        }

        private sealed class ConstantSchedule(float learningRate) : LearningRateSchedule
        {
            public override float At(int epoch) => learningRate;
        }

        private sealed class CosineSchedule(float learningRate, int epochs, float minimum) : LearningRateSchedule
        {
            public override float At(int epoch) => (float)(minimum + (learningRate - minimum) * (1 + Math.Cos(Math.PI * epoch / epochs)) / 2);
        }

        private sealed class StepSchedule(float learningRate, int stepSize, float gamma) : LearningRateSchedule
        {
            public override float At(int epoch) => (float)(learningRate * Math.Pow(gamma, epoch / stepSize));
        }
    }
}
