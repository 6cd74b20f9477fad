using System;

namespace GenConv.Training
{
    /// <summary>An update rule for a flat parameter vector; its state is allocated once, so a step allocates nothing.</summary>
    public interface IOptimizer
    {
        /// <summary>The learning rate of the next step (a schedule may change it between steps).</summary>
        float LearningRate { get; set; }

        /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/> (same layout).</summary>
        void Step(Span<float> parameters, ReadOnlySpan<float> gradients);
    }
}
