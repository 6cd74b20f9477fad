using System;

namespace GenConv
{
    /// <summary>
    /// What every model offers, generated or generic: the runtime (losses, optimizers, training loops, weight
    /// files) works against this, so the same code drives generated kernels and the generic baselines.
    /// </summary>
    public interface IGenConvModel
    {
        /// <summary>The declared layers and input shape.</summary>
        ModelDescription Description { get; }
        /// <summary>Floats per input sample (C·H·W).</summary>
        int InputLength { get; }
        /// <summary>Floats per output sample (the last layer's size).</summary>
        int OutputLength { get; }
        /// <summary>Largest batch the buffers were sized for.</summary>
        int MaxBatch { get; }
        /// <summary>Threads each Forward and Backward is split over. Generated models accept any count and give
        /// bit-identical results for all of them; generic models run on one thread only.</summary>
        int Threads { get; set; }
        /// <summary>All weights and biases, flat, in PyTorch state_dict order and layout.</summary>
        Span<float> Parameters { get; }
        /// <summary>dL/dParameters of the last <see cref="Backward(ReadOnlySpan{float}, Span{float})"/>, same layout.</summary>
        Span<float> Gradients { get; }

        /// <summary>Runs the batch (input.Length / InputLength samples) and writes the last layer's raw outputs.</summary>
        void Forward(ReadOnlySpan<float> input, Span<float> output);

        /// <summary>
        /// Forward for inference alone (oneDNN's forward_inference, PyTorch's no_grad): the same outputs, bit for bit,
        /// without keeping what Backward reads, so a generated model skips that work (a padded copy of a convolution's
        /// input, a kept copy of the model's input or output). No Backward may follow it.
        /// </summary>
        void Infer(ReadOnlySpan<float> input, Span<float> output);

        /// <summary>
        /// After a Forward on the same batch: overwrites <see cref="Gradients"/> with dL/dParameters summed over the
        /// batch and writes dL/dInput. Pass an empty span to skip the input gradient.
        /// </summary>
        void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient);

        /// <summary>
        /// Runs <paramref name="work"/> over every parameter index once, in disjoint ranges. A generated model on several
        /// threads cuts each tensor by output unit into the parts its backward pass computed and runs each part on the thread
        /// that ran it, so an element-wise update finds its gradients in its own core's caches. Results must not depend on
        /// the cut. The default is one range on the calling thread.
        /// </summary>
        void ForEachParameterRange(IParameterRangeWork work)
        {
            ArgumentNullException.ThrowIfNull(work);
            work.Run(0, Parameters.Length);
        }
    }
}
