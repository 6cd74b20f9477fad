using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace GenConv.Weights
{
    /// <summary>A weight file that cannot be used: corrupt, or not matching the model. The model is left unchanged.</summary>
    public sealed class WeightFileException : IOException
    {
        public WeightFileException(string message) : base(message) { }
    }

    /// <summary>One F32 tensor of a safetensors file.</summary>
    public sealed class SafeTensor
    {
        internal SafeTensor(string name, int[] shape, float[] values)
        {
            Name = name;
            Shape = shape;
            Values = values;
        }

        public string Name { get; }
        public IReadOnlyList<int> Shape { get; }
        public float[] Values { get; }
    }

    /// <summary>
    /// Saves and loads a model's parameters as safetensors (F32, little-endian), named as PyTorch's state_dict names them
    /// (<c>0.weight</c>, <c>0.bias</c>, …), so weights move between GenConv and PyTorch in both directions.
    /// Loading checks every name, dtype, shape and offset before it changes anything; saving is atomic.
    /// </summary>
    public static class SafeTensors
    {
        /// <summary>Headers beyond this are rejected before anything is allocated for them.</summary>
        public const int MaxHeaderBytes = 16 << 20;

        public static void Save(IGenConvModel model, string path)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentException.ThrowIfNullOrEmpty(path);
            GenConv.IO.AtomicFile.Write(path, Serialize(model.Description, model.Parameters));
        }

        /// <summary>The safetensors bytes of a parameter vector laid out as <paramref name="description"/> says.</summary>
        public static byte[] Serialize(ModelDescription description, ReadOnlySpan<float> parameters)
        {
            ArgumentNullException.ThrowIfNull(description);
            if (parameters.Length != description.ParameterCount)
                throw new ArgumentException($"parameters must hold {description.ParameterCount} floats, but has {parameters.Length}.", nameof(parameters));
            using var header = new MemoryStream();
            using (var json = new Utf8JsonWriter(header))
            {
                json.WriteStartObject();
                foreach (ParameterTensor tensor in description.ParameterTensors)
                {
                    json.WriteStartObject(tensor.Name);
                    json.WriteString("dtype", "F32");
                    json.WriteStartArray("shape");
                    foreach (int d in tensor.Shape) json.WriteNumberValue(d);
                    json.WriteEndArray();
                    json.WriteStartArray("data_offsets");
                    json.WriteNumberValue(4L * tensor.Offset);
                    json.WriteNumberValue(4L * (tensor.Offset + tensor.Length));
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            // Pad the header with spaces so the data starts 8-byte aligned, as the reference implementation does.
            int headerLength = (int)header.Length, padded = (headerLength + 7) & ~7;
            var bytes = new byte[8 + padded + 4L * parameters.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
            header.GetBuffer().AsSpan(0, headerLength).CopyTo(bytes.AsSpan(8));
            bytes.AsSpan(8 + headerLength, padded - headerLength).Fill((byte)' ');
            Span<byte> data = bytes.AsSpan(8 + padded);
            for (int i = 0; i < parameters.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(data.Slice(4 * i), parameters[i]);
            return bytes;
        }

        /// <summary>Loads every parameter of <paramref name="model"/> from a safetensors file; on any mismatch throws and changes nothing.</summary>
        public static void Load(IGenConvModel model, string path)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentException.ThrowIfNullOrEmpty(path);
            byte[] bytes = File.ReadAllBytes(path);
            float[] values = Deserialize(model.Description, bytes, path);
            values.CopyTo(model.Parameters);
        }

        /// <summary>Validates a safetensors image against the description and returns the parameter vector it holds.</summary>
        public static float[] Deserialize(ModelDescription description, ReadOnlySpan<byte> bytes, string source = "weights")
        {
            ArgumentNullException.ThrowIfNull(description);
            IReadOnlyDictionary<string, SafeTensor> tensors = Read(bytes, source);
            var values = new float[description.ParameterCount];
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (ParameterTensor parameter in description.ParameterTensors)
            {
                expected.Add(parameter.Name);
                if (!tensors.TryGetValue(parameter.Name, out SafeTensor? tensor))
                    throw new WeightFileException($"{source}: missing tensor '{parameter.Name}' (shape [{string.Join(", ", parameter.Shape.ToArray())}]).");
                if (!SameShape(parameter.Shape, tensor.Shape))
                    throw new WeightFileException($"{source}: tensor '{parameter.Name}' has shape [{string.Join(", ", tensor.Shape)}], expected [{string.Join(", ", parameter.Shape.ToArray())}].");
                tensor.Values.CopyTo(values.AsSpan(parameter.Offset, parameter.Length));
            }
            foreach (string name in tensors.Keys)
                if (!expected.Contains(name))
                    throw new WeightFileException($"{source}: unexpected tensor '{name}'; the model's tensors are {string.Join(", ", expected)}.");
            return values;
        }

        /// <summary>
        /// Every tensor of a safetensors image, checked: header length within the file and the limit, valid JSON, F32
        /// only, offsets inside the data, byte counts matching shapes, no two tensors overlapping.
        /// </summary>
        public static IReadOnlyDictionary<string, SafeTensor> Read(ReadOnlySpan<byte> bytes, string source = "weights")
        {
            if (bytes.Length < 8) throw new WeightFileException($"{source}: {bytes.Length} bytes is too short for a safetensors header length.");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            if (headerLength > MaxHeaderBytes)
                throw new WeightFileException($"{source}: header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit.");
            if (headerLength > (ulong)(bytes.Length - 8))
                throw new WeightFileException($"{source}: header length {headerLength} runs past the end of the {bytes.Length}-byte file.");
            ReadOnlySpan<byte> data = bytes.Slice(8 + (int)headerLength);
            var result = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
            var ranges = new List<(long Begin, long End, string Name)>();
            foreach (var (name, entry) in ParseHeader(bytes.Slice(8, (int)headerLength), source))
            {
                if (entry.DType != "F32")
                    throw new WeightFileException($"{source}: tensor '{name}' has dtype '{entry.DType}', expected F32.");
                long count = 1;
                foreach (int d in entry.Shape)
                {
                    count *= d;
                    if (count > int.MaxValue / 4) throw new WeightFileException($"{source}: tensor '{name}' has an implausibly large shape.");
                }
                if (entry.Begin < 0 || entry.End < entry.Begin || entry.End > data.Length)
                    throw new WeightFileException($"{source}: tensor '{name}' has data offsets [{entry.Begin}, {entry.End}) outside the {data.Length} data bytes.");
                if (entry.End - entry.Begin != 4 * count)
                    throw new WeightFileException($"{source}: tensor '{name}' has {entry.End - entry.Begin} data bytes, expected {4 * count}.");
                ranges.Add((entry.Begin, entry.End, name));
                ReadOnlySpan<byte> raw = data.Slice((int)entry.Begin, (int)(entry.End - entry.Begin));
                var values = new float[count];
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i));
                result.Add(name, new SafeTensor(name, entry.Shape, values));
            }
            ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int i = 1; i < ranges.Count; i++)
                if (ranges[i].Begin < ranges[i - 1].End)
                    throw new WeightFileException($"{source}: tensors '{ranges[i - 1].Name}' and '{ranges[i].Name}' overlap.");
            return result;
        }

        /// <summary>Reads every tensor of a safetensors file (see <see cref="Read(ReadOnlySpan{byte}, string)"/>).</summary>
        public static IReadOnlyDictionary<string, SafeTensor> Read(string path) => Read(File.ReadAllBytes(path), path);

        private static bool SameShape(ReadOnlySpan<int> expected, IReadOnlyList<int> actual)
        {
            if (expected.Length != actual.Count) return false;
            for (int i = 0; i < expected.Length; i++)
                if (expected[i] != actual[i]) return false;
            return true;
        }

        private sealed record Entry(string DType, int[] Shape, long Begin, long End);

        private static Dictionary<string, Entry> ParseHeader(ReadOnlySpan<byte> header, string source)
        {
            var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
            if (!System.Text.Unicode.Utf8.IsValid(header))
                throw new WeightFileException($"{source}: the header is not valid UTF-8.");
            try
            {
                var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 8 });
                using JsonDocument document = JsonDocument.ParseValue(ref reader);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new WeightFileException($"{source}: the header is not a JSON object.");
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    if (property.Name == "__metadata__") continue;
                    JsonElement value = property.Value;
                    if (value.ValueKind != JsonValueKind.Object
                        || !value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
                        || !value.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array
                        || !value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
                        throw new WeightFileException($"{source}: tensor '{property.Name}' lacks a dtype, shape or two data_offsets.");
                    var dims = new List<int>();
                    foreach (JsonElement d in shape.EnumerateArray())
                    {
                        if (!d.TryGetInt32(out int dim) || dim < 0) throw new WeightFileException($"{source}: tensor '{property.Name}' has an invalid shape.");
                        dims.Add(dim);
                    }
                    if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
                        throw new WeightFileException($"{source}: tensor '{property.Name}' has non-integer data offsets.");
                    if (!entries.TryAdd(property.Name, new Entry(dtype.GetString()!, dims.ToArray(), begin, end)))
                        throw new WeightFileException($"{source}: tensor '{property.Name}' appears twice.");
                }
            }
            catch (JsonException exception)
            {
                throw new WeightFileException($"{source}: the header is not valid JSON ({exception.Message}).");
            }
            return entries;
        }
    }
}
