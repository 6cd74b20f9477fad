using System;

namespace GenConv.Training
{
    /// <summary>An update rule for a flat parameter vector; its state is allocated once, so a step allocates nothing.</summary>
    public interface IOptimizer
    {
        /// <summary>The learning rate of the next step (a schedule may change it between steps).</summary>
        float LearningRate { get; set; }

        /// <summary>Every float of internal state the next step depends on (momentum buffer, moments), for checkpoints.</summary>
        Span<float> State { get; }

        /// <summary>Steps taken so far; part of the state (Adam's bias corrections and SGD's first momentum step depend on it).</summary>
        int StepCount { get; set; }

        /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/> (same layout).</summary>
        void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

        /// <summary>
        /// One step on <paramref name="model"/>'s parameters from its gradients. <see cref="ElementwiseOptimizer"/>s split it
        /// over the model's threads; the default is <see cref="Step(Span{float}, ReadOnlySpan{float})"/> on this thread.
        /// </summary>
        void Step(IGenConvModel model) => Step(model.Parameters, model.Gradients);
    }
}
