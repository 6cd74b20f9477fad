using System;
using System.Globalization;
using System.Text;

namespace GenConv.Generator.Helpers
{
    /// <summary>Writes C# source with managed indentation, so emitters never count spaces.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder builder = new StringBuilder();
        private int indent;

        public void Line(string text = "")
        {
            if (text.Length > 0) builder.Append(' ', indent * 4).Append(text);
            builder.Append('\n');
        }

        /// <summary>Writes a header line (none if empty: a bare scope) and opens a brace block; dispose the result to close it.</summary>
        public Block Open(string header)
        {
            if (header.Length > 0) Line(header);
            Line("{");
            indent++;
            return new Block(this);
        }

        /// <summary><see cref="Open"/> when <paramref name="condition"/> holds, else nothing: the lines go in the enclosing block.</summary>
        public Block OpenIf(bool condition, string header) => condition ? Open(header) : default;

        public void Close(string suffix = "")
        {
            indent--;
            Line("}" + suffix);
        }

        public override string ToString() => builder.ToString();

        internal readonly struct Block : IDisposable
        {
            private readonly SourceWriter? writer; // null: a block OpenIf did not open
            public Block(SourceWriter writer) => this.writer = writer;
            public void Dispose() => writer?.Close();
        }

        /// <summary>Invariant, round-trippable float literal (never "9,5f", never a lost bit).</summary>
        public static string Float(float value)
        {
            if (float.IsNaN(value)) return "float.NaN";
            if (float.IsPositiveInfinity(value)) return "float.PositiveInfinity";
            if (float.IsNegativeInfinity(value)) return "float.NegativeInfinity";
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            return text + "f";
        }

        public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
        public static string Bool(bool value) => value ? "true" : "false";
    }
}
