using System;
using System.Linq;
using GenConv.Generator.Helpers;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Emits sums whose result does not depend on the vector width: the body is written once against
    /// <see cref="LaneOps"/>, and emitted three times, for one 256-bit vector, two 128-bit vectors and eight scalars per
    /// 8-lane accumulator, selected by the JIT-constant IsHardwareAccelerated checks (the JIT drops the other two). Every
    /// path does the same fused multiply-adds on the same lanes and ends in the runtime's fixed LaneSum tree.
    /// </summary>
    internal static class LaneReduction
    {
        public const int Lanes = 8;

        public static void Emit(SourceWriter w, Action<LaneOps> body, bool continuesChain = false)
        {
            using (w.Open($"{(continuesChain ? "else if" : "if")} (Vector256.IsHardwareAccelerated)"))
                body(new LaneOps(w, LaneWidth.V256));
            using (w.Open("else if (Vector128.IsHardwareAccelerated)"))
                body(new LaneOps(w, LaneWidth.V128));
            using (w.Open("else"))
                body(new LaneOps(w, LaneWidth.Scalar));
        }
    }

    internal enum LaneWidth { V256, V128, Scalar }

    /// <summary>The operations on 8-lane values (accumulators and loaded runs of 8 floats) for one path.</summary>
    internal sealed class LaneOps
    {
        private const string V256 = "Vector256"; // the generated files' aliases
        private const string V128 = "Vector128";
        private readonly SourceWriter w;
        private readonly LaneWidth width;

        public LaneOps(SourceWriter w, LaneWidth width)
        {
            this.w = w;
            this.width = width;
        }

        /// <summary>
        /// 8-lane accumulators a pass may keep in flight: with AVX2's 16 registers, 8 of them (each one register) leave
        /// room for the loaded runs; at 128 bits each takes two registers. The scalar path is not register-tiled.
        /// </summary>
        public int AccumulatorBudget => width switch { LaneWidth.V256 => 8, LaneWidth.V128 => 4, _ => int.MaxValue };

        /// <summary>Declares a zeroed 8-lane accumulator.</summary>
        public void DeclareZero(string name)
        {
            switch (width)
            {
                case LaneWidth.V256: w.Line($"{V256}F {name} = {V256}F.Zero;"); break;
                case LaneWidth.V128: w.Line($"{V128}F {name}Low = {V128}F.Zero, {name}High = {V128}F.Zero;"); break;
                default: w.Line($"float {string.Join(", ", Enumerable.Range(0, LaneReduction.Lanes).Select(j => $"{name}{j} = 0f"))};"); break;
            }
        }

        /// <summary>Declares <paramref name="name"/> as the 8 floats at <paramref name="source"/> + <paramref name="offset"/>.</summary>
        public void DeclareLoad(string name, string source, string offset)
        {
            switch (width)
            {
                case LaneWidth.V256: w.Line($"{V256}F {name} = {Load(V256, source, offset)};"); break;
                case LaneWidth.V128: w.Line($"{V128}F {name}Low = {Load(V128, source, offset)}, {name}High = {Load(V128, source, offset + " + 4")};"); break;
                default: w.Line($"float {string.Join(", ", Enumerable.Range(0, LaneReduction.Lanes).Select(j => $"{name}{j} = Unsafe.Add(ref {source}, {offset} + {j})"))};"); break;
            }
        }

        /// <summary>accumulator += value · (the 8 floats at source + offset), lane by lane, fused.</summary>
        public void MultiplyAdd(string accumulator, string value, string source, string offset)
        {
            switch (width)
            {
                case LaneWidth.V256:
                    w.Line($"{accumulator} = {V256}.FusedMultiplyAdd({value}, {Load(V256, source, offset)}, {accumulator});");
                    break;
                case LaneWidth.V128:
                    w.Line($"{accumulator}Low = {V128}.FusedMultiplyAdd({value}Low, {Load(V128, source, offset)}, {accumulator}Low);");
                    w.Line($"{accumulator}High = {V128}.FusedMultiplyAdd({value}High, {Load(V128, source, offset + " + 4")}, {accumulator}High);");
                    break;
                default:
                    for (int j = 0; j < LaneReduction.Lanes; j++)
                        w.Line($"{accumulator}{j} = MathF.FusedMultiplyAdd({value}{j}, Unsafe.Add(ref {source}, {offset} + {j}), {accumulator}{j});");
                    break;
            }
        }

        /// <summary>The expression for the sum of an accumulator's lanes, in the fixed tree order.</summary>
        public string Sum(string accumulator) => width switch
        {
            LaneWidth.V256 => $"global::GenConv.Kernels.LaneSum.Of({accumulator})",
            LaneWidth.V128 => $"global::GenConv.Kernels.LaneSum.Of({accumulator}Low, {accumulator}High)",
            _ => $"global::GenConv.Kernels.LaneSum.Of({string.Join(", ", Enumerable.Range(0, LaneReduction.Lanes).Select(j => accumulator + j))})",
        };

        private static string Load(string type, string source, string offset) => $"{type}.LoadUnsafe(ref {source}, (nuint)({offset}))";
    }
}
