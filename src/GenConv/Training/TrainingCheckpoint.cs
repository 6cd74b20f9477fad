using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using GenConv.Weights;

namespace GenConv.Training
{
    /// <summary>
    /// The file a <see cref="Trainer"/> checkpoint is kept in: a fixed little-endian layout (magic and version, counts,
    /// position in the epoch, shuffled order, weights, optimizer state) closed by a SHA-256 of everything before it.
    /// Reading checks the length, the hash and every count against the trainer before anything is returned.
    /// </summary>
    public static class TrainingCheckpoint
    {
        private static ReadOnlySpan<byte> Magic => "GENCONV-CKPT-v01"u8;
        private const int HashBytes = 32;
        private const int FixedBytes = 16 + 9 * 4 + 8; // magic, nine int32 fields, the epoch loss (double)

        internal sealed record State(int Epoch, int Position, int EpochSteps, int SkippedBatches, double EpochLossSum,
            float LearningRate, int OptimizerSteps, int[] Order, float[] Parameters, float[] OptimizerState);

        internal static byte[] Serialize(State state)
        {
            long length = FixedBytes + 4L * (state.Order.Length + state.Parameters.Length + state.OptimizerState.Length) + HashBytes;
            var bytes = new byte[length];
            var writer = new Writer(bytes);
            Magic.CopyTo(bytes);
            writer.Offset = Magic.Length;
            writer.Int(state.Order.Length);
            writer.Int(state.Parameters.Length);
            writer.Int(state.OptimizerState.Length);
            writer.Int(state.Epoch);
            writer.Int(state.Position);
            writer.Int(state.EpochSteps);
            writer.Int(state.SkippedBatches);
            writer.Int(state.OptimizerSteps);
            writer.Float(state.LearningRate);
            writer.Double(state.EpochLossSum);
            foreach (int i in state.Order) writer.Int(i);
            foreach (float f in state.Parameters) writer.Float(f);
            foreach (float f in state.OptimizerState) writer.Float(f);
            SHA256.HashData(bytes.AsSpan(0, writer.Offset), bytes.AsSpan(writer.Offset));
            return bytes;
        }

        internal static State Deserialize(ReadOnlySpan<byte> bytes, string source, int parameterCount, int optimizerStateLength, int sampleCount)
        {
            if (bytes.Length < FixedBytes + HashBytes || !bytes.StartsWith(Magic))
                throw new WeightFileException($"{source}: not a GenConv training checkpoint (bad magic or too short).");
            var reader = new Reader(bytes) { Offset = Magic.Length };
            int samples = reader.Int(), parameters = reader.Int(), optimizerFloats = reader.Int();
            if (samples != sampleCount || parameters != parameterCount || optimizerFloats != optimizerStateLength)
                throw new WeightFileException($"{source}: checkpoint of {samples} samples, {parameters} parameters and {optimizerFloats} optimizer floats; " +
                                              $"this trainer has {sampleCount}, {parameterCount} and {optimizerStateLength}.");
            long expected = FixedBytes + 4L * (samples + parameters + optimizerFloats) + HashBytes;
            if (bytes.Length != expected)
                throw new WeightFileException($"{source}: checkpoint has {bytes.Length} bytes, expected {expected}.");
            Span<byte> hash = stackalloc byte[HashBytes];
            SHA256.HashData(bytes.Slice(0, bytes.Length - HashBytes), hash);
            if (!hash.SequenceEqual(bytes.Slice(bytes.Length - HashBytes)))
                throw new WeightFileException($"{source}: checkpoint is corrupt (its SHA-256 does not match).");

            int epoch = reader.Int(), position = reader.Int(), epochSteps = reader.Int(), skipped = reader.Int(), optimizerSteps = reader.Int();
            float learningRate = reader.Float();
            double lossSum = reader.Double();
            if (epoch < 0 || (uint)position >= (uint)Math.Max(samples, 1) || epochSteps < 0 || skipped < 0 || optimizerSteps < 0 || !(learningRate >= 0) || float.IsInfinity(learningRate))
                throw new WeightFileException($"{source}: checkpoint counters are out of range.");
            var order = new int[samples];
            var seen = new bool[samples];
            for (int i = 0; i < samples; i++)
            {
                int index = reader.Int();
                if ((uint)index >= (uint)samples || seen[index])
                    throw new WeightFileException($"{source}: checkpoint sample order is not a permutation.");
                seen[index] = true;
                order[i] = index;
            }
            var weights = new float[parameters];
            for (int i = 0; i < weights.Length; i++) weights[i] = reader.Float();
            var optimizerState = new float[optimizerFloats];
            for (int i = 0; i < optimizerState.Length; i++) optimizerState[i] = reader.Float();
            return new State(epoch, position, epochSteps, skipped, lossSum, learningRate, optimizerSteps, order, weights, optimizerState);
        }

        private ref struct Writer(Span<byte> bytes)
        {
            private readonly Span<byte> bytes = bytes;
            public int Offset;
            public void Int(int value) { BinaryPrimitives.WriteInt32LittleEndian(bytes.Slice(Offset), value); Offset += 4; }
            public void Float(float value) { BinaryPrimitives.WriteSingleLittleEndian(bytes.Slice(Offset), value); Offset += 4; }
            public void Double(double value) { BinaryPrimitives.WriteDoubleLittleEndian(bytes.Slice(Offset), value); Offset += 8; }
        }

        private ref struct Reader(ReadOnlySpan<byte> bytes)
        {
            private readonly ReadOnlySpan<byte> bytes = bytes;
            public int Offset;
            public int Int() { int v = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(Offset)); Offset += 4; return v; }
            public float Float() { float v = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(Offset)); Offset += 4; return v; }
            public double Double() { double v = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(Offset)); Offset += 8; return v; }
        }
    }
}
