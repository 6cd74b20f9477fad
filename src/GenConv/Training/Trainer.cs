using System;
using System.Diagnostics;
using GenConv.Data;

namespace GenConv.Training
{
    /// <summary>
    /// Mini-batch training of any <see cref="IGenConvModel"/> (generated or generic) on a labelled image set with softmax
    /// cross-entropy: seeded shuffling, a step per batch, evaluation. Buffers are allocated once, so steps allocate nothing.
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

        public Trainer(IGenConvModel model, IOptimizer optimizer, ImageSet data, int batch)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(optimizer);
            ArgumentNullException.ThrowIfNull(data);
            if (batch < 1 || batch > model.MaxBatch)
                throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be between 1 and the model's maxBatch ({model.MaxBatch}).");
            if (data.ImageLength != model.InputLength)
                throw new ArgumentException($"images have {data.ImageLength} floats, but the model takes {model.InputLength}.", nameof(data));
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
        }

        /// <summary>Number of samples trained on per epoch.</summary>
        public int SampleCount => order.Length;

        /// <summary>One pass over the data, shuffled by <paramref name="random"/>; returns the mean training loss.
        /// <paramref name="onBatch"/>, if given, hears the number of samples done after each batch.</summary>
        public float TrainEpoch(SeededRandom random, Action<int>? onBatch = null)
        {
            ArgumentNullException.ThrowIfNull(random);
            random.Shuffle(order);
            double total = 0;
            int steps = 0;
            for (int start = 0; start < order.Length; start += batch, steps++)
            {
                int count = Math.Min(batch, order.Length - start);
                total += Step(start, count);
                onBatch?.Invoke(start + count);
            }
            return (float)(total / steps);
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

        /// <summary>Trains on samples order[start .. start + count) and returns the batch's mean loss.</summary>
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
            if (!float.IsFinite(loss)) throw new InvalidOperationException($"training diverged: loss is {loss}. Lower the learning rate.");
            model.Backward(dy, Span<float>.Empty);
            optimizer.Step(model.Parameters, model.Gradients);
            return loss;
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
                model.Forward(data.Images.AsSpan(start * length, count * length), y.AsSpan(0, count * classes));
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
