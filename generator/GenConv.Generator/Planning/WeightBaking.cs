using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using GenConv.Generator.Diagnostics;
using GenConv.Generator.Helpers;
using GenConv.Generator.Parsing;

namespace GenConv.Generator.Planning
{
    /// <summary>A weights file as the generator receives it: the base64 text the GenConv build targets make of a safetensors file.</summary>
    internal sealed record WeightFile(string FileName, string Base64);

    /// <summary>
    /// Baked weights: finds the model's safetensors file among the AdditionalFiles (as base64, see build/GenConv.targets),
    /// checks every tensor against the planned parameters (names, F32, shapes, offsets) and returns the parameter vector as
    /// little-endian bytes in state_dict order, or reports GENCONV015–017.
    /// </summary>
    internal static class WeightBaking
    {
        public const string Suffix = ".base64";

        public static byte[]? Bake(ParsedModel model, IReadOnlyList<LayerPlan> layers, int parameterCount, ImmutableArray<WeightFile> files, List<DiagnosticInfo> diagnostics)
        {
            string wanted = model.Weights!;
            string fileName = wanted.Replace('\\', '/').Split('/').Last();
            WeightFile? file = files.FirstOrDefault(f => string.Equals(f.FileName, fileName + Suffix, StringComparison.OrdinalIgnoreCase));
            if (file is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsFileMissing, model.WeightsLocation ?? model.ModelLocation, wanted));
                return null;
            }
            void Invalid(string why) => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsFileInvalid, model.WeightsLocation ?? model.ModelLocation, wanted, why));
            void Mismatch(string why) => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsMismatch, model.WeightsLocation ?? model.ModelLocation, wanted, why));

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(file.Base64.Trim());
            }
            catch (FormatException)
            {
                Invalid("it is not the base64 text the GenConv build targets produce");
                return null;
            }
            if (bytes.Length < 8) { Invalid($"{bytes.Length} bytes is too short for a safetensors header"); return null; }
            ulong headerLength = BitConverter.ToUInt64(bytes, 0);
            if (!BitConverter.IsLittleEndian || headerLength > (ulong)(bytes.Length - 8)) { Invalid($"header length {headerLength} runs past the end of the {bytes.Length}-byte file"); return null; }
            Dictionary<string, object?> header;
            try
            {
                header = new JsonReader(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)).ReadObjectValue();
            }
            catch (FormatException exception)
            {
                Invalid("its header is not valid JSON: " + exception.Message);
                return null;
            }
            int dataStart = 8 + (int)headerLength;
            long dataLength = bytes.Length - dataStart;

            var result = new byte[4L * parameterCount];
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (LayerPlan l in layers)
            {
                if (l.WeightCount == 0 && l.BiasCount == 0) continue;
                int[] weightShape = l.Spec.Kind == Model.LayerKind.Conv2D
                    ? new[] { l.Output.Channels, l.Input.Channels, l.Spec.KernelH, l.Spec.KernelW }
                    : new[] { l.OutputLength, l.InputLength };
                foreach (var (name, shape, offset, count) in new[] { (l.ParameterName + ".weight", weightShape, l.WeightOffset, l.WeightCount), (l.ParameterName + ".bias", new[] { l.BiasCount }, l.BiasOffset, l.BiasCount) })
                {
                    if (count == 0) continue;
                    expected.Add(name);
                    if (!header.TryGetValue(name, out object? entry) || entry is not Dictionary<string, object?> tensor)
                    {
                        Mismatch($"it has no tensor '{name}' (shape [{string.Join(", ", shape)}])");
                        return null;
                    }
                    if (!(tensor.TryGetValue("dtype", out object? dtype) && dtype is string type && type == "F32"))
                    {
                        Mismatch($"tensor '{name}' has dtype {(tensor.TryGetValue("dtype", out object? d) ? d : "(none)")}, expected F32");
                        return null;
                    }
                    long[]? actualShape = Longs(tensor, "shape");
                    if (actualShape is null || !actualShape.SequenceEqual(shape.Select(v => (long)v)))
                    {
                        Mismatch($"tensor '{name}' has shape [{(actualShape is null ? "?" : string.Join(", ", actualShape))}], expected [{string.Join(", ", shape)}]");
                        return null;
                    }
                    long[]? offsets = Longs(tensor, "data_offsets");
                    if (offsets is null || offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != 4L * count)
                    {
                        Invalid($"tensor '{name}' has data offsets outside the data or not of {4L * count} bytes");
                        return null;
                    }
                    Buffer.BlockCopy(bytes, dataStart + (int)offsets[0], result, 4 * offset, 4 * count);
                }
            }
            string? extra = header.Keys.FirstOrDefault(k => k != "__metadata__" && !expected.Contains(k));
            if (extra is not null)
            {
                Mismatch($"it has a tensor '{extra}' the model does not have (the model's are {string.Join(", ", expected)})");
                return null;
            }
            return result;
        }

        private static long[]? Longs(Dictionary<string, object?> tensor, string key) =>
            tensor.TryGetValue(key, out object? value) && value is List<object?> list && list.All(v => v is long)
                ? list.Select(v => (long)v!).ToArray()
                : null;

        /// <summary>Just enough JSON for a safetensors header: objects, arrays, strings, integers (other numbers, true, false, null skipped as null).</summary>
        private sealed class JsonReader
        {
            private readonly string text;
            private int position;

            public JsonReader(string text) => this.text = text;

            public Dictionary<string, object?> ReadObjectValue()
            {
                object? value = ReadValue(0);
                SkipWhitespace();
                if (position != text.Length) throw new FormatException($"unexpected text at {position}");
                return value as Dictionary<string, object?> ?? throw new FormatException("the header is not an object");
            }

            private object? ReadValue(int depth)
            {
                if (depth > 16) throw new FormatException("nested too deeply");
                SkipWhitespace();
                if (position >= text.Length) throw new FormatException("unexpected end");
                char c = text[position];
                if (c == '{')
                {
                    position++;
                    var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                    SkipWhitespace();
                    if (Peek() == '}') { position++; return result; }
                    while (true)
                    {
                        SkipWhitespace();
                        string key = ReadString();
                        SkipWhitespace();
                        Expect(':');
                        object? value = ReadValue(depth + 1);
                        if (result.ContainsKey(key)) throw new FormatException($"'{key}' appears twice");
                        result[key] = value;
                        SkipWhitespace();
                        if (Peek() == ',') { position++; continue; }
                        Expect('}');
                        return result;
                    }
                }
                if (c == '[')
                {
                    position++;
                    var result = new List<object?>();
                    SkipWhitespace();
                    if (Peek() == ']') { position++; return result; }
                    while (true)
                    {
                        result.Add(ReadValue(depth + 1));
                        SkipWhitespace();
                        if (Peek() == ',') { position++; continue; }
                        Expect(']');
                        return result;
                    }
                }
                if (c == '"') return ReadString();
                int start = position;
                while (position < text.Length && "+-0123456789.eEtruefalsn".IndexOf(text[position]) >= 0) position++;
                string token = text.Substring(start, position - start);
                if (token.Length == 0) throw new FormatException($"unexpected '{c}' at {start}");
                if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer)) return integer;
                if (token is "true" or "false" or "null" || double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return null;
                throw new FormatException($"bad token '{token}' at {start}");
            }

            private string ReadString()
            {
                Expect('"');
                var builder = new StringBuilder();
                while (true)
                {
                    if (position >= text.Length) throw new FormatException("unterminated string");
                    char c = text[position++];
                    if (c == '"') return builder.ToString();
                    if (c != '\\') { builder.Append(c); continue; }
                    if (position >= text.Length) throw new FormatException("unterminated escape");
                    char e = text[position++];
                    switch (e)
                    {
                        case '"': case '\\': case '/': builder.Append(e); break;
                        case 'b': builder.Append('\b'); break;
                        case 'f': builder.Append('\f'); break;
                        case 'n': builder.Append('\n'); break;
                        case 'r': builder.Append('\r'); break;
                        case 't': builder.Append('\t'); break;
                        case 'u':
                            if (position + 4 > text.Length || !int.TryParse(text.Substring(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                                throw new FormatException("bad \\u escape");
                            builder.Append((char)code);
                            position += 4;
                            break;
                        default: throw new FormatException($"bad escape '\\{e}'");
                    }
                }
            }

            private char Peek() => position < text.Length ? text[position] : '\0';

            private void Expect(char c)
            {
                if (Peek() != c) throw new FormatException($"expected '{c}' at {position}");
                position++;
            }

            private void SkipWhitespace()
            {
                while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
            }
        }
    }
}
