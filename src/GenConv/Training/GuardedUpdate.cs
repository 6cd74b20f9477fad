using System;

namespace GenConv.Training
{
    /// <summary>
    /// An optimizer step that is undone unless every gradient, weight and state float it meets is finite. An
    /// <see cref="ElementwiseOptimizer"/> steps range by range on the model's threads, each range where its gradients
    /// were computed: the range is saved, updated if its gradients are finite, then checked. If any range fails, every
    /// range is restored from what was saved. Other optimizers step whole vectors on the calling thread.
    /// </summary>
    internal sealed class GuardedUpdate : IParameterRangeWork
    {
        public const string GradientNotFinite = "a gradient is not finite";
        public const string WeightNotFinite = "the step made a weight non-finite";

        private readonly IGenConvModel model;
        private readonly IOptimizer optimizer;
        private readonly float[] savedParameters, savedState;
        private volatile bool gradientFailed, resultFailed; // set by whichever thread's range failed

        public GuardedUpdate(IGenConvModel model, IOptimizer optimizer)
        {
            this.model = model;
            this.optimizer = optimizer;
            savedParameters = new float[model.Parameters.Length];
            savedState = new float[optimizer.State.Length];
        }

        /// <summary>Applies one step and returns null, or restores the weights and state and says what was not finite.</summary>
        public string? Step()
        {
            if (optimizer is not ElementwiseOptimizer elementwise)
                return WholeStep();
            elementwise.CheckLengths(model.Parameters.Length, model.Gradients.Length);
            if (elementwise.State.Length != elementwise.StatePerParameter * model.Parameters.Length)
                throw new InvalidOperationException($"{elementwise.GetType().Name}'s state is not {elementwise.StatePerParameter} vectors of the parameters' length.");
            gradientFailed = resultFailed = false;
            model.ForEachParameterRange(this);
            if (!gradientFailed && !resultFailed)
            {
                elementwise.StepCount++;
                return null;
            }
            Restore();
            return gradientFailed ? GradientNotFinite : WeightNotFinite;
        }

        void IParameterRangeWork.Run(int start, int count)
        {
            var elementwise = (ElementwiseOptimizer)optimizer;
            Span<float> parameters = model.Parameters, state = elementwise.State;
            int length = parameters.Length, vectors = elementwise.StatePerParameter;
            // Saved before the gradient check, so that restoring every range is right whichever ranges went on.
            parameters.Slice(start, count).CopyTo(savedParameters.AsSpan(start, count));
            for (int k = 0; k < vectors; k++)
                state.Slice(k * length + start, count).CopyTo(savedState.AsSpan(k * length + start, count));
            if (!Finite.All(model.Gradients.Slice(start, count)))
            {
                gradientFailed = true;
                return;
            }
            elementwise.UpdateCheckedRange(parameters, model.Gradients, start, count); // lengths checked once, in Step
            bool finite = Finite.All(parameters.Slice(start, count));
            for (int k = 0; k < vectors; k++)
                finite &= Finite.All(state.Slice(k * length + start, count));
            if (!finite) resultFailed = true;
        }

        private string? WholeStep()
        {
            if (!Finite.All(model.Gradients)) return GradientNotFinite;
            model.Parameters.CopyTo(savedParameters);
            optimizer.State.CopyTo(savedState);
            optimizer.Step(model);
            if (Finite.All(model.Parameters) && Finite.All(optimizer.State)) return null;
            Restore();
            optimizer.StepCount--;
            return WeightNotFinite;
        }

        private void Restore()
        {
            savedParameters.CopyTo(model.Parameters);
            savedState.CopyTo(optimizer.State);
        }
    }
}
