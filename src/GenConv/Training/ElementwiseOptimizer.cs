using System;

namespace GenConv.Training
{
    /// <summary>
    /// An optimizer whose update of parameter i reads only parameter i, gradient i and its own state for i. A step can
    /// then be cut into ranges updated on any thread, in any order, with the bits of one whole step:
    /// <see cref="Step(IGenConvModel)"/> updates each range on the thread that computed its gradients.
    /// </summary>
    public abstract class ElementwiseOptimizer : IOptimizer
    {
        private readonly ModelStep modelStep;

        protected ElementwiseOptimizer(float learningRate)
        {
            if (!(learningRate >= 0) || float.IsInfinity(learningRate))
                throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be finite and non-negative.");
            LearningRate = learningRate;
            modelStep = new ModelStep(this);
        }

        public float LearningRate { get; set; }
        public abstract Span<float> State { get; }
        public int StepCount { get; set; }

        /// <summary>
        /// Floats of <see cref="State"/> per parameter: the state is this many vectors as long as the parameters, element i
        /// of each belonging to parameter i.
        /// </summary>
        public abstract int StatePerParameter { get; }

        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            CheckLengths(parameters.Length, gradients.Length);
            Update(parameters, gradients, 0, parameters.Length);
            StepCount++;
        }

        /// <summary>One step on the model's parameters from its gradients, split over the model's threads (the same bits).</summary>
        public void Step(IGenConvModel model)
        {
            ArgumentNullException.ThrowIfNull(model);
            CheckLengths(model.Parameters.Length, model.Gradients.Length);
            modelStep.Run(model);
            StepCount++;
        }

        /// <summary>
        /// Updates parameters and state [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as
        /// the next step (number <see cref="StepCount"/> + 1) does, without advancing <see cref="StepCount"/>: the caller
        /// does that once every range of the step is done.
        /// </summary>
        public void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int start, int count)
        {
            CheckLengths(parameters.Length, gradients.Length);
            if ((uint)start > (uint)parameters.Length || (uint)count > (uint)(parameters.Length - start))
                throw new ArgumentOutOfRangeException(nameof(count), $"the range [{start}, {start}+{count}) is not within the {parameters.Length} parameters.");
            Update(parameters, gradients, start, count);
        }

        /// <summary>
        /// <see cref="UpdateRange"/> for a caller that has already checked the lengths (<see cref="CheckLengths"/>) and
        /// hands out ranges inside them, once per range of one step: no check per range.
        /// </summary>
        internal void UpdateCheckedRange(Span<float> parameters, ReadOnlySpan<float> gradients, int start, int count) =>
            Update(parameters, gradients, start, count);

        /// <summary>Throws unless this optimizer can update that many parameters from that many gradients.</summary>
        public virtual void CheckLengths(int parameters, int gradients)
        {
            if (gradients != parameters)
                throw new ArgumentException($"gradients must hold {parameters} floats, but has {gradients}.", nameof(gradients));
        }

        /// <summary>The update of [start, start + count), once the lengths are checked.</summary>
        protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int start, int count);

        /// <summary>The model step's range work, kept so that a step allocates nothing.</summary>
        private sealed class ModelStep : IParameterRangeWork
        {
            private readonly ElementwiseOptimizer optimizer;
            private IGenConvModel? model;

            public ModelStep(ElementwiseOptimizer optimizer) => this.optimizer = optimizer;

            public void Run(IGenConvModel stepped)
            {
                model = stepped;
                try { stepped.ForEachParameterRange(this); }
                finally { model = null; }
            }

            void IParameterRangeWork.Run(int start, int count) => optimizer.UpdateCheckedRange(model!.Parameters, model.Gradients, start, count);
        }
    }
}
