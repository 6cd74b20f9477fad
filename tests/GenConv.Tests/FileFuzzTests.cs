using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using GenConv.Data;
using GenConv.IO;
using GenConv.Model;
using GenConv.Tests.Infrastructure;
using GenConv.Weights;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// Seeded mutation fuzzing of the file readers: every mutated file either loads or fails with the reader's own
    /// exception type, never another exception, an out-of-range read or a large allocation; saves are atomic.
    /// </summary>
    public sealed class FileFuzzTests : IDisposable
    {
        private const int Mutations = 10_000;
        private readonly ITestOutputHelper output;
        private readonly string directory = Directory.CreateTempSubdirectory("genconv-fuzz-").FullName;

        public FileFuzzTests(ITestOutputHelper output) => this.output = output;

        public void Dispose() => Directory.Delete(directory, recursive: true);

        [Fact]
        public void MutatedSafetensorsLoadOrFailCleanly()
        {
            // A small two-layer model keeps 10,000 parses fast; its header has every field kind a real file has.
            var model = new GenericModel(SmallDescription(), GenericAlgorithm.Naive, seed: 1);
            byte[] valid = SafeTensors.Serialize(model.Description, model.Parameters);
            int headerEnd = 8 + (int)BitConverter.ToUInt64(valid, 0);
            var random = new SeededRandom(20261122);
            var outcomes = new Dictionary<string, int>();
            for (int trial = 0; trial < Mutations; trial++)
            {
                byte[] bytes = Mutate(valid, headerEnd, random, JsonAlphabet);
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                string outcome;
                try
                {
                    float[] values = SafeTensors.Deserialize(model.Description, bytes, "fuzz");
                    Assert.Equal(model.Parameters.Length, values.Length);
                    outcome = "loaded";
                }
                catch (WeightFileException exception)
                {
                    outcome = Category(exception.Message);
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                Assert.True(allocated < 64 * bytes.Length + (1 << 20), $"trial {trial}: {allocated} bytes allocated for a {bytes.Length}-byte file");
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
            Report("safetensors", outcomes);
            Assert.True(outcomes.Count > 8, "the mutations should reach many different checks");
        }

        [Fact]
        public void FailedLoadsLeaveTheModelUntouched()
        {
            var source = new LeNet5(seed: 2);
            byte[] valid = SafeTensors.Serialize(LeNet5.Description, source.Parameters);
            int headerEnd = 8 + (int)BitConverter.ToUInt64(valid, 0);
            var target = new LeNet5(seed: 3);
            float[] before = target.Parameters.ToArray();
            string path = Path.Combine(directory, "w.safetensors");
            var random = new SeededRandom(7);
            int failures = 0;
            for (int trial = 0; trial < 300; trial++)
            {
                File.WriteAllBytes(path, Mutate(valid, headerEnd, random, JsonAlphabet, headerOnly: true));
                try
                {
                    SafeTensors.Load(target, path);
                    before = target.Parameters.ToArray(); // a harmless mutation (say, whitespace) loaded: that is the new state
                }
                catch (WeightFileException)
                {
                    failures++;
                    Assert.Equal(before, target.Parameters.ToArray());
                }
            }
            Assert.True(failures > 200, $"{failures} of 300 header mutations failed");
        }

        [Fact]
        public void MutatedIdxFilesLoadOrFailCleanly()
        {
            byte[] images = Idx(0x803, new[] { 5, 4, 3 }, Enumerable.Range(0, 60).Select(i => (byte)(i * 4)).ToArray());
            byte[] labels = Idx(0x801, new[] { 5 }, new byte[] { 0, 9, 3, 1, 2 });
            var random = new SeededRandom(99);
            var outcomes = new Dictionary<string, int>();
            for (int trial = 0; trial < Mutations; trial++)
            {
                bool gzip = trial % 2 == 1;
                byte[] mutatedImages = trial % 3 == 0 ? images : Mutate(images, 16, random, null);
                byte[] mutatedLabels = trial % 3 == 0 ? Mutate(labels, 8, random, null) : labels;
                if (gzip)
                {
                    // Mutate the compressed bytes too, half the time: corrupt deflate streams must also fail cleanly.
                    mutatedImages = Gzip(mutatedImages);
                    if (trial % 4 == 1 && mutatedImages.Length > 0) mutatedImages[random.NextInt(mutatedImages.Length)] ^= (byte)(1 << random.NextInt(8));
                }
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                string outcome;
                try
                {
                    ImageSet set = IdxReader.Read(new MemoryStream(mutatedImages), new MemoryStream(mutatedLabels), "images", "labels");
                    Assert.Equal(set.Count * set.ImageLength, set.Images.Length);
                    outcome = "loaded";
                }
                catch (InvalidDataException exception)
                {
                    outcome = Category(exception.Message);
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                Assert.True(allocated < 4 << 20, $"trial {trial}: {allocated} bytes allocated for files of {mutatedImages.Length} and {mutatedLabels.Length} bytes");
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
            Report("IDX", outcomes);
            Assert.True(outcomes.Count > 6, "the mutations should reach many different checks");
        }

        [Fact]
        public void IdxHeadersClaimingHugeSizesFailBeforeAllocating()
        {
            byte[] labels = Idx(0x801, new[] { 1_000_000 }, new byte[3]);
            byte[] images = Idx(0x803, new[] { 1_000_000, 28, 28 }, new byte[100]);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var exception = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(images), new MemoryStream(labels)));
            Assert.Contains("found only 100", exception.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
            byte[] bomb = Idx(0x803, new[] { int.MaxValue, 4096, 4096 }, Array.Empty<byte>());
            Assert.Contains("limit", Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(bomb), new MemoryStream(labels))).Message);
        }

        /// <summary>A save that fails half-way (simulated: the write throws after half the bytes) keeps the previous file.</summary>
        [Fact]
        public void ASaveThatFailsHalfWayLeavesThePreviousFileIntact()
        {
            string path = Path.Combine(directory, "model.safetensors");
            var model = new LeNet5(seed: 5);
            SafeTensors.Save(model, path);
            byte[] previous = File.ReadAllBytes(path);
            byte[] next = SafeTensors.Serialize(LeNet5.Description, new LeNet5(seed: 6).Parameters);
            var exception = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
            {
                stream.Write(next, 0, next.Length / 2);
                throw new IOException("disk full (simulated)");
            }));
            Assert.Equal("disk full (simulated)", exception.Message);
            Assert.Equal(previous, File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(directory)); // the half-written temporary is gone
            SafeTensors.Load(new LeNet5(), path); // and the previous file still loads
        }

        private const string JsonAlphabet = "{}[]\",:-0123456789eE.+ \\u\0\xff";

        /// <summary>One seeded mutation: bit flips, byte overwrites (with JSON syntax, for headers), truncation, growth,
        /// a rewritten length prefix, a duplicated or deleted span.</summary>
        private static byte[] Mutate(byte[] valid, int headerEnd, SeededRandom random, string? alphabet, bool headerOnly = false)
        {
            var bytes = new List<byte>(valid);
            int region = headerOnly || random.NextInt(4) > 0 ? headerEnd : bytes.Count;
            int mutations = 1 + random.NextInt(3);
            for (int m = 0; m < mutations && bytes.Count > 0; m++)
            {
                int at = random.NextInt(Math.Min(region, bytes.Count));
                switch (random.NextInt(7))
                {
                    case 0: bytes[at] ^= (byte)(1 << random.NextInt(8)); break;
                    case 1: bytes[at] = alphabet is null ? (byte)random.NextInt(256) : (byte)alphabet[random.NextInt(alphabet.Length)]; break;
                    case 2: bytes.RemoveRange(at, bytes.Count - at); break;
                    case 3: bytes.AddRange(Enumerable.Range(0, 1 + random.NextInt(16)).Select(_ => (byte)random.NextInt(256))); break;
                    case 4:
                        // Rewrite the length prefix (8 bytes little-endian for safetensors, a big-endian count for IDX).
                        byte[] length = BitConverter.GetBytes(random.NextInt(3) switch { 0 => (long)random.NextInt(valid.Length * 2), 1 => -1L - random.NextInt(100), _ => (long)random.NextUInt32() << random.NextInt(32) });
                        int first = alphabet is null ? 4 : 0; // IDX: the item count after the magic number
                        for (int i = first; i < Math.Min(first + (alphabet is null ? 4 : 8), bytes.Count); i++) bytes[i] = length[i - first];
                        break;
                    case 5:
                        int count = Math.Min(1 + random.NextInt(32), bytes.Count - at);
                        bytes.InsertRange(at, bytes.GetRange(at, count));
                        break;
                    default:
                        bytes.RemoveRange(at, Math.Min(1 + random.NextInt(8), bytes.Count - at));
                        break;
                }
            }
            return bytes.ToArray();
        }

        /// <summary>The message with numbers and quoted names masked: which check fired.</summary>
        private static string Category(string message) =>
            Regex.Replace(message.Split(" (")[0], @"'[^']*'|0x[0-9a-fA-F]+|-?\d+", "#");

        private void Report(string what, Dictionary<string, int> outcomes)
        {
            output.WriteLine($"{Mutations} mutated {what} files:");
            foreach (var (outcome, count) in outcomes.OrderByDescending(o => o.Value)) output.WriteLine($"{count,6}  {outcome}");
        }

        private static ModelDescription SmallDescription() => new GenericModel(
            new TensorShape(2, 5, 5),
            new[] { LayerSpec.Conv2D(3, 3, padding: 1), LayerSpec.Dense(4) },
            GenericAlgorithm.Naive).Description;

        private static byte[] Idx(int magic, int[] dims, byte[] body) =>
            new[] { magic }.Concat(dims).SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v }).Concat(body).ToArray();

        private static byte[] Gzip(byte[] bytes)
        {
            using var memory = new MemoryStream();
            using (var gz = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(bytes);
            return memory.ToArray();
        }
    }
}
