using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using GenConv.Tests.Infrastructure;
using GenConv.Tests.Models;
using GenConv.Weights;
using Xunit;

namespace GenConv.Tests
{
    public sealed class SafeTensorsTests : IDisposable
    {
        private readonly string directory = Path.Combine(Path.GetTempPath(), "genconv-st-" + Guid.NewGuid().ToString("N"));

        public SafeTensorsTests() => Directory.CreateDirectory(directory);

        public void Dispose() => Directory.Delete(directory, recursive: true);

        [Fact]
        public void RoundTripIsBitExact()
        {
            var model = new LeNet5(seed: 3);
            Numerics.Random(LeNet5.ParameterCount, 9).CopyTo(model.Parameters);
            model.Parameters[0] = float.Epsilon;
            model.Parameters[1] = -0f;
            string path = Path.Combine(directory, "lenet.safetensors");
            SafeTensors.Save(model, path);
            var loaded = new LeNet5(seed: 4);
            SafeTensors.Load(loaded, path);
            Assert.Equal(Bits(model.Parameters), Bits(loaded.Parameters));
            Assert.Empty(Directory.GetFiles(directory, "*.tmp-*")); // no temporary left behind
        }

        [Fact]
        public void NamesFollowPyTorchSequentialNumbering()
        {
            string[] names = LeNet5.Description.ParameterTensors.Select(t => t.Name).ToArray();
            Assert.Equal(new[] { "0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias", "8.weight", "8.bias", "10.weight", "10.bias" }, names);
            Assert.Equal(new[] { 6, 1, 5, 5 }, LeNet5.Description.ParameterTensors[0].Shape.ToArray());
            Assert.Equal(new[] { 120, 400 }, LeNet5.Description.ParameterTensors[4].Shape.ToArray());
        }

        [Fact]
        public void LoadsAFileFromAnIndependentMinimalWriter()
        {
            // Written the way any tool may write it: another key order, metadata, no header padding, data out of order.
            var model = new Seed004MatrixVector(); // one tensor "0.weight" of shape [2, 2]
            byte[] file = MinimalWriter(("0.weight", "F32", new[] { 2, 2 }, new float[] { 0.1f, 0.5f, -0.3f, 0.8f }), metadata: true);
            string path = Path.Combine(directory, "independent.safetensors");
            File.WriteAllBytes(path, file);
            SafeTensors.Load(model, path);
            Assert.Equal(new[] { 0.1f, 0.5f, -0.3f, 0.8f }, model.Parameters.ToArray());
        }

        public static IEnumerable<object[]> Corruptions() => new[]
        {
            new object[] { "missing tensor", (Func<byte[]>)(() => MinimalWriter(("0.bias", "F32", new[] { 2 }, new float[2]))), "missing tensor '0.weight'" },
            new object[] { "wrong dtype", (Func<byte[]>)(() => MinimalWriter(("0.weight", "F16", new[] { 2, 2 }, new float[4]))), "dtype 'F16', expected F32" },
            new object[] { "wrong shape", (Func<byte[]>)(() => MinimalWriter(("0.weight", "F32", new[] { 4 }, new float[4]))), "shape [4], expected [2, 2]" },
            new object[] { "unexpected tensor", (Func<byte[]>)(() => MinimalWriter(("0.weight", "F32", new[] { 2, 2 }, new float[4]), ("1.weight", "F32", new[] { 1 }, new float[1]))), "unexpected tensor '1.weight'" },
            new object[] { "offsets outside data", (Func<byte[]>)(() => Raw("{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,64]}}", 16)), "outside the 16 data bytes" },
            new object[] { "wrong byte count", (Func<byte[]>)(() => Raw("{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 16)), "12 data bytes, expected 16" },
            new object[] { "truncated", (Func<byte[]>)(() => new byte[] { 1, 2, 3 }), "too short" },
            new object[] { "header past the end", (Func<byte[]>)(() => BitConverter.GetBytes(1000L).Concat(new byte[20]).ToArray()), "runs past the end" },
            new object[] { "header over the limit", (Func<byte[]>)(() => BitConverter.GetBytes((long)int.MaxValue).Concat(new byte[20]).ToArray()), "exceeds the" },
            new object[] { "invalid JSON", (Func<byte[]>)(() => Raw("{\"0.weight\": [", 16)), "not valid JSON" },
            new object[] { "not an object", (Func<byte[]>)(() => Raw("[1, 2]", 16)), "not a JSON object" },
            new object[] { "no offsets", (Func<byte[]>)(() => Raw("{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2]}}", 16)), "lacks a dtype, shape or two data_offsets" },
        };

        [Theory]
        [MemberData(nameof(Corruptions))]
        public void RejectsMismatchesAndLeavesTheModelUnchanged(string what, Func<byte[]> makeFile, string message)
        {
            var model = new Seed004MatrixVector();
            new float[] { 1, 2, 3, 4 }.CopyTo(model.Parameters);
            string path = Path.Combine(directory, what.Replace(' ', '-') + ".safetensors");
            File.WriteAllBytes(path, makeFile());
            var error = Assert.Throws<WeightFileException>(() => SafeTensors.Load(model, path));
            Assert.Contains(message, error.Message);
            Assert.Equal(new float[] { 1, 2, 3, 4 }, model.Parameters.ToArray());
        }

        [Fact]
        public void RejectsOverlappingTensors()
        {
            var model = new Seed004SigmoidNeuron(); // 0.weight [1, 2] and 0.bias [1]
            byte[] file = Raw("{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},\"0.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
            string path = Path.Combine(directory, "overlap.safetensors");
            File.WriteAllBytes(path, file);
            Assert.Contains("overlap", Assert.Throws<WeightFileException>(() => SafeTensors.Load(model, path)).Message);
        }

        /// <summary>A deliberately separate writer: builds the header by string concatenation, tensors in reverse order.</summary>
        private static byte[] MinimalWriter(params (string Name, string DType, int[] Shape, float[] Values)[] tensors) => MinimalWriter(tensors, metadata: false);

        private static byte[] MinimalWriter((string Name, string DType, int[] Shape, float[] Values) tensor, bool metadata) => MinimalWriter(new[] { tensor }, metadata);

        private static byte[] MinimalWriter((string Name, string DType, int[] Shape, float[] Values)[] tensors, bool metadata)
        {
            var data = new List<byte>();
            var entries = new List<string>();
            foreach (var t in tensors.Reverse())
            {
                int begin = data.Count;
                foreach (float v in t.Values) data.AddRange(BitConverter.GetBytes(v));
                entries.Insert(0, $"\"{t.Name}\": {{\"shape\": [{string.Join(", ", t.Shape)}], \"data_offsets\": [{begin}, {data.Count}], \"dtype\": \"{t.DType}\"}}");
            }
            if (metadata) entries.Insert(0, "\"__metadata__\": {\"format\": \"pt\"}");
            return Raw("{" + string.Join(", ", entries) + "}", data.ToArray());
        }

        private static byte[] Raw(string header, int dataBytes) => Raw(header, new byte[dataBytes]);

        private static byte[] Raw(string header, byte[] data)
        {
            byte[] json = Encoding.UTF8.GetBytes(header);
            return BitConverter.GetBytes((long)json.Length).Concat(json).Concat(data).ToArray();
        }

        private static int[] Bits(Span<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
    }
}
