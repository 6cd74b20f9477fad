using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using GenConv.Data;

namespace GenConv.Training
{
    /// <summary>What training does when a batch's loss or gradients, or the weights after its step, are not finite.</summary>
    public enum NonFiniteBehavior
    {
        /// <summary>Restore the last good weights and optimizer state, and throw <see cref="TrainingDivergedException"/>.</summary>
        Stop,
        /// <summary>Restore the last good weights and optimizer state, count the batch in <see cref="Trainer.SkippedBatches"/> and go on.</summary>
        SkipBatch,
    }

    /// <summary>Training met a non-finite loss, gradient or weight; the model holds the last good weights.</summary>
    public sealed class TrainingDivergedException : InvalidOperationException
    {
        public TrainingDivergedException(string message) : base(message) { }
    }

    /// <summary>
    /// Mini-batch training of any <see cref="IGenConvModel"/> (generated or generic) on a labelled image set with softmax
    /// cross-entropy: seeded shuffling, a step per batch, evaluation. Buffers are allocated once, so steps allocate nothing.
    /// Training is resumable: an epoch stops between batches when cancelled, and <see cref="SaveCheckpoint"/> /
    /// <see cref="LoadCheckpoint"/> carry weights, optimizer state and the position in the epoch, so a resumed run is
    /// bit-identical to an uninterrupted one.
    /// </summary>
    public sealed class Trainer
    {
        private readonly IGenConvModel model;
        private readonly IOptimizer optimizer;
        private readonly ImageSet data;
        private readonly int batch;
        private readonly int[] order;
        private readonly float[] inputs, logits, logitGradient;
        private readonly int[] labels;
        private readonly GuardedUpdate update;

        public Trainer(IGenConvModel model, IOptimizer optimizer, ImageSet data, int batch)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(optimizer);
            ArgumentNullException.ThrowIfNull(data);
            if (batch < 1 || batch > model.MaxBatch)
                throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be between 1 and the model's maxBatch ({model.MaxBatch}).");
            if (data.ImageLength != model.InputLength)
                throw new ArgumentException($"images have {data.ImageLength} floats, but the model takes {model.InputLength}.", nameof(data));
            if (model.Gradients.Length != model.Parameters.Length)
                throw new ArgumentException("the model has no gradients (an InferenceOnly model cannot be trained).", nameof(model));
            for (int i = 0; i < data.Count; i++)
                if ((uint)data.Labels[i] >= (uint)model.OutputLength)
                    throw new ArgumentException($"label {data.Labels[i]} of sample {i} is outside the model's {model.OutputLength} classes.", nameof(data));
            this.model = model;
            this.optimizer = optimizer;
            this.data = data;
            this.batch = batch;
            order = new int[data.Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            inputs = new float[batch * model.InputLength];
            logits = new float[batch * model.OutputLength];
            logitGradient = new float[batch * model.OutputLength];
            labels = new int[batch];
            update = new GuardedUpdate(model, optimizer);
        }

        /// <summary>Number of samples trained on per epoch.</summary>
        public int SampleCount => order.Length;
        /// <summary>Epochs completed.</summary>
        public int Epoch { get; private set; }
        /// <summary>Samples of the current epoch already trained on (0 between epochs).</summary>
        public int Position { get; private set; }
        /// <summary>Batches skipped because of non-finite values (with <see cref="NonFiniteBehavior.SkipBatch"/>).</summary>
        public int SkippedBatches { get; private set; }
        /// <summary>What a non-finite loss, gradient or weight does; <see cref="NonFiniteBehavior.Stop"/> by default.</summary>
        public NonFiniteBehavior OnNonFinite { get; set; } = NonFiniteBehavior.Stop;

        // The running loss of the current epoch, kept here (and in checkpoints) so a resumed epoch reports the same mean.
        private double epochLossSum;
        private int epochSteps;

        /// <summary>
        /// Trains the rest of the current epoch (a new epoch is shuffled by <paramref name="random"/>, which nothing else
        /// draws from) and returns its mean training loss. <paramref name="onBatch"/>, if given, hears the number of samples
        /// done after each batch. Cancellation is checked between batches and leaves a consistent state to checkpoint.
        /// </summary>
        public float TrainEpoch(SeededRandom random, Action<int>? onBatch = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(random);
            if (Position == 0)
            {
                // The order is a function of this epoch's generator alone, so a checkpoint needs no generator state.
                for (int i = 0; i < order.Length; i++) order[i] = i;
                random.Shuffle(order);
                epochLossSum = 0;
                epochSteps = 0;
            }
            while (Position < order.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batch, order.Length - Position);
                float loss = Step(Position, count);
                if (float.IsFinite(loss))
                {
                    epochLossSum += loss;
                    epochSteps++;
                }
                Position += count;
                onBatch?.Invoke(Position);
            }
            Position = 0;
            Epoch++;
            return epochSteps == 0 ? float.NaN : (float)(epochLossSum / epochSteps);
        }

        /// <summary>Training images per second over the first <paramref name="batches"/> batches (after one warm-up step).</summary>
        public double MeasureImagesPerSecond(int batches)
        {
            if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "batches must be at least 1.");
            if (order.Length < batch)
                throw new InvalidOperationException($"measuring needs at least one full batch of {batch} samples, but the data holds {order.Length}.");
            int starts = order.Length - batch + 1; // every start at which a full batch fits
            Step(0, batch);
            var watch = Stopwatch.StartNew();
            for (int b = 0; b < batches; b++) Step((int)((long)b * batch % starts), batch);
            return batches * batch / watch.Elapsed.TotalSeconds;
        }

        /// <summary>
        /// Trains on samples order[start .. start + count) and returns the batch's mean loss, or NaN for a batch skipped
        /// under <see cref="NonFiniteBehavior.SkipBatch"/>. The update is applied only if the loss, every gradient and every
        /// updated weight are finite; otherwise the weights and optimizer state are those from before the batch.
        /// </summary>
        public float Step(int start, int count)
        {
            if (count < 1 || count > batch)
                throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be between 1 and the batch size {batch}.");
            if (start < 0 || start > order.Length - count)
                throw new ArgumentOutOfRangeException(nameof(start), start, $"start + count must lie within the {order.Length} samples.");
            int length = model.InputLength;
            for (int i = 0; i < count; i++)
            {
                int index = order[start + i];
                data.Images.AsSpan(index * length, length).CopyTo(inputs.AsSpan(i * length));
                labels[i] = data.Labels[index];
            }
            Span<float> y = logits.AsSpan(0, count * model.OutputLength);
            Span<float> dy = logitGradient.AsSpan(0, y.Length);
            model.Forward(inputs.AsSpan(0, count * length), y);
            float loss = SoftmaxCrossEntropy.Compute(y, labels.AsSpan(0, count), model.OutputLength, dy);
            if (!float.IsFinite(loss)) return NonFinite($"the loss is {loss}", start);
            model.Backward(dy, Span<float>.Empty);
            string? notFinite = update.Step();
            return notFinite is null ? loss : NonFinite(notFinite, start);
        }

        private float NonFinite(string what, int start)
        {
            if (OnNonFinite == NonFiniteBehavior.SkipBatch)
            {
                SkippedBatches++;
                return float.NaN;
            }
            throw new TrainingDivergedException(
                $"training stopped in epoch {Epoch + 1} at sample {start}: {what}. The weights and optimizer state are those of the last good step. " +
                "Lower the learning rate, check the input data, or set OnNonFinite = SkipBatch to skip such batches.");
        }

        /// <summary>Writes weights, optimizer state and the position in the epoch atomically (see <see cref="TrainingCheckpoint"/>).</summary>
        public void SaveCheckpoint(string path) =>
            IO.AtomicFile.Write(path, TrainingCheckpoint.Serialize(new TrainingCheckpoint.State(
                Epoch, Position, epochSteps, SkippedBatches, epochLossSum, optimizer.LearningRate, optimizer.StepCount,
                order, model.Parameters.ToArray(), optimizer.State.ToArray())));

        /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> for the same model, optimizer and data;
        /// on any mismatch or corruption throws <see cref="Weights.WeightFileException"/> and changes nothing.</summary>
        public void LoadCheckpoint(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            TrainingCheckpoint.State state = TrainingCheckpoint.Deserialize(File.ReadAllBytes(path), path,
                model.Parameters.Length, optimizer.State.Length, order.Length);
            state.Parameters.CopyTo(model.Parameters);
            state.OptimizerState.CopyTo(optimizer.State);
            state.Order.CopyTo(order, 0);
            optimizer.StepCount = state.OptimizerSteps;
            optimizer.LearningRate = state.LearningRate;
            Epoch = state.Epoch;
            Position = state.Position;
            epochSteps = state.EpochSteps;
            SkippedBatches = state.SkippedBatches;
            epochLossSum = state.EpochLossSum;
        }

        /// <summary>Share of images whose largest logit is the label (batches of at most the model's maxBatch).</summary>
        public static double Accuracy(IGenConvModel model, ImageSet data, int batch)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(data);
            if (batch < 1 || batch > model.MaxBatch)
                throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be between 1 and the model's maxBatch ({model.MaxBatch}).");
            var y = new float[batch * model.OutputLength];
            int correct = 0, length = model.InputLength, classes = model.OutputLength;
            for (int start = 0; start < data.Count; start += batch)
            {
                int count = Math.Min(batch, data.Count - start);
                model.Infer(data.Images.AsSpan(start * length, count * length), y.AsSpan(0, count * classes));
                for (int i = 0; i < count; i++)
                {
                    int best = 0;
                    for (int c = 1; c < classes; c++) if (y[i * classes + c] > y[i * classes + best]) best = c;
                    if (best == data.Labels[start + i]) correct++;
                }
            }
            return (double)correct / data.Count;
        }
    }
}
