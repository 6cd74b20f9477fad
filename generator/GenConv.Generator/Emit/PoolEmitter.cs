using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// What max and average pooling share: a loop over every (sample, channel) plane and output pixel, with the
    /// window either unrolled at constant offsets (no padding: every tap is in bounds) or clipped to the input
    /// with constant bounds (padding). Both kinds emit their per-window statements through this one walker.
    /// </summary>
    internal abstract class PoolEmitter : LayerEmitter
    {
        protected static bool IsPadded(LayerPlan l) => l.Spec.PadTop != 0 || l.Spec.PadLeft != 0;

        /// <summary>
        /// Loops over planes <c>p</c> and output pixels; inside, <c>o</c> is the window origin within the plane
        /// (unpadded) or <c>r0</c>/<c>c0</c> its possibly negative top-left corner (padded), and <c>pix</c> the output index.
        /// With <paramref name="vectorBody"/>, the windows of a row that lie inside it (<see cref="VectorWindows"/>) go 8 at
        /// a time through it, with the same names for the first of the 8, where 256-bit vectors are accelerated.
        /// </summary>
        protected static void EmitWindows(SourceWriter w, LayerPlan l, System.Action body, System.Action? vectorBody = null)
        {
            int h = l.Input.Height, width = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
            var (first, end) = VectorWindows(l);
            using (w.Open($"for (int p = start * {I(l.Input.Channels)}; p < end * {I(l.Input.Channels)}; p++)"))
            {
                w.Line($"int plane = p * {I((long)h * width)};");
                w.Line($"int outPlane = p * {I((long)oh * ow)};");
                using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
                {
                    if (IsPadded(l))
                        w.Line($"int r0 = oh * {I(l.Spec.StrideH)} - {I(l.Spec.PadTop)}, rowStart = Math.Max(r0, 0), rowEnd = Math.Min(r0 + {I(l.Spec.KernelH)}, {I(h)});");
                    if (vectorBody is null || end - first < 8)
                        EmitColumns(w, l, "0", I(ow), "ow++", body);
                    else
                    {
                        w.Line($"int vectorFirst = Vector256.IsHardwareAccelerated ? {I(first)} : {I(ow)}, vectorEnd = Vector256.IsHardwareAccelerated ? {I(end)} : {I(ow)};");
                        EmitColumns(w, l, "0", "vectorFirst", "ow++", body);
                        EmitColumns(w, l, "vectorFirst", "vectorEnd", "ow = global::GenConv.Kernels.PoolWindows.Next(ow, 8, vectorEnd)", vectorBody);
                        EmitColumns(w, l, "vectorEnd", I(ow), "ow++", body);
                    }
                }
            }
        }

        private static void EmitColumns(SourceWriter w, LayerPlan l, string from, string to, string step, System.Action body)
        {
            using (w.Open($"for (int ow = {from}; ow < {to}; {step})"))
            {
                w.Line($"int pix = outPlane + oh * {I(l.Output.Width)} + ow;");
                if (IsPadded(l))
                {
                    w.Line($"int c0 = ow * {I(l.Spec.StrideW)} - {I(l.Spec.PadLeft)};");
                    w.Line($"int colStart = Math.Max(c0, 0), colEnd = Math.Min(c0 + {I(l.Spec.KernelW)}, {I(l.Input.Width)});");
                }
                else
                    w.Line($"int o = plane + oh * {I((long)l.Spec.StrideH * l.Input.Width)} + ow * {I(l.Spec.StrideW)};");
                body();
            }
        }

        /// <summary>
        /// The windows [First, End) of an output row whose every tap lies inside the input row, and at stride 2 the float
        /// after each tap as well (a tap of 8 windows loads 16 floats and keeps the even ones); empty at other strides.
        /// </summary>
        private static (int First, int End) VectorWindows(LayerPlan l)
        {
            int stride = l.Spec.StrideW;
            if (stride > 2) return (0, 0);
            int first = (l.Spec.PadLeft + stride - 1) / stride;
            // Window ow reads up to column ow·s − PadLeft + KernelW − 1, and one more at stride 2.
            int lastOrigin = l.Input.Width - 1 - (l.Spec.KernelW - 1) - (stride - 1) + l.Spec.PadLeft;
            int end = lastOrigin < 0 ? 0 : System.Math.Min(l.Output.Width, lastOrigin / stride + 1);
            return (first, System.Math.Max(first, end));
        }

        /// <summary>One statement per tap of 8 windows from <c>ow</c> (all inside the row), in the scalar kernel's order.</summary>
        protected static void EmitVectorTaps(SourceWriter w, LayerPlan l, System.Action<string> tap)
        {
            string Load(string index) => $"global::GenConv.Kernels.PoolWindows.Tap(ref {Unsafe}.Add(ref x, {index}), {I(l.Spec.StrideW)})";
            if (IsPadded(l))
            {
                using (w.Open("for (int r = rowStart; r < rowEnd; r++)"))
                    for (int c = 0; c < l.Spec.KernelW; c++)
                        tap(Load($"plane + r * {I(l.Input.Width)} + c0 + {I(c)}"));
            }
            else
                EmitTaps(w, l, l.Input.Width, (offset, _) => tap(Load($"o + {offset}")));
        }

        /// <summary>One statement per in-bounds window element; <paramref name="element"/> gets its index expression in the input.</summary>
        protected static void EmitWindowElements(SourceWriter w, LayerPlan l, System.Action<string> element)
        {
            if (IsPadded(l))
            {
                using (w.Open("for (int r = rowStart; r < rowEnd; r++)"))
                using (w.Open("for (int c = colStart; c < colEnd; c++)"))
                    element($"plane + r * {I(l.Input.Width)} + c");
            }
            else
                EmitTaps(w, l, l.Input.Width, (offset, _) => element($"o + {offset}"));
        }

        /// <summary>2×2 windows, stride 2, no padding: disjoint windows the runtime's Pool2x2 does a row pair at a time.</summary>
        protected static bool IsPairwise(LayerPlan l) =>
            l.Spec.KernelH == 2 && l.Spec.KernelW == 2 && l.Spec.StrideH == 2 && l.Spec.StrideW == 2 && !IsPadded(l) && l.Spec.PadBottom == 0 && l.Spec.PadRight == 0;

        /// <summary>
        /// Calls Pool2x2.{method} for every row pair of every plane: <paramref name="arguments"/> gets the input row-pair
        /// offset and the output row offset as expressions and returns the call's buffer arguments.
        /// </summary>
        protected static void EmitRowPairs(SourceWriter w, LayerPlan l, string method, System.Func<string, string, string> arguments)
        {
            int width = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
            using (w.Open($"for (int p = start * {I(l.Input.Channels)}; p < end * {I(l.Input.Channels)}; p++)"))
            using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
            {
                w.Line($"int top = p * {I((long)l.Input.Height * width)} + oh * {I(2L * width)}, pix = p * {I((long)oh * ow)} + oh * {I(ow)};");
                w.Line($"global::GenConv.Kernels.Pool2x2.{method}({arguments("top", "pix")}, {I(ow)});");
            }
        }

        /// <summary>Whether backward data writes every element of dX itself (pairwise windows tiling the input exactly): no clearing pass first.</summary>
        protected static bool WritesEveryInput(LayerPlan l) => IsPairwise(l) && l.Input.Height % 2 == 0 && l.Input.Width % 2 == 0;

        protected static string At(string buffer, string offset) => $"ref {Unsafe}.Add(ref {buffer}, {offset})";

        protected static void EmitClear(SourceWriter w, LayerPlan l, string buffer) =>
            w.Line($"MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref {buffer}, start * {I(l.InputLength)}), (end - start) * {I(l.InputLength)}).Clear();");
    }

    /// <summary>Max pooling: padding acts as −∞, the first maximum in scan order wins, NaN wins (PyTorch's rule).</summary>
    internal sealed class MaxPoolEmitter : PoolEmitter
    {
        public static readonly MaxPoolEmitter Instance = new MaxPoolEmitter();

        public override Buffer[]? Buffers(LayerPlan l, Stage stage) => stage switch
        {
            Stage.Forward => new[] { Buffer.Input, Buffer.Output },
            Stage.BackwardData => new[] { Buffer.Input, Buffer.OutputGradient, Buffer.InputGradient },
            _ => null,
        };

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            // With a ReLU before it, dY goes to the arg-max only where the maximum (the ReLU's output there) is positive.
            string rectify = SourceWriter.Bool(l.RectifiesInputGradient);
            if (stage == Stage.BackwardData && !WritesEveryInput(l)) EmitClear(w, l, "dx");
            if (IsPairwise(l))
            {
                string Below(string top) => $"{top} + {I(l.Input.Width)}";
                EmitRowPairs(w, l, stage == Stage.Forward ? "MaxForward" : "MaxBackward", (top, pix) => stage == Stage.Forward
                    ? $"{At("x", top)}, {At("x", Below(top))}, {At("y", pix)}"
                    : $"{At("x", top)}, {At("x", Below(top))}, {At("dy", pix)}, {At("dx", top)}, {At("dx", Below(top))}, {rectify}");
                return;
            }
            System.Action? vector = stage != Stage.Forward ? null : () =>
            {
                w.Line("Vector256F max = Vector256.Create(float.NegativeInfinity);");
                EmitVectorTaps(w, l, tap => w.Line($"max = global::GenConv.Kernels.PoolWindows.Max(max, {tap});"));
                w.Line("Vector256.StoreUnsafe(max, ref y, (nuint)pix);");
            };
            EmitWindows(w, l, () =>
            {
                // The arg-max starts at the window's first in-bounds element, as PyTorch's does.
                w.Line("float max = float.NegativeInfinity;");
                w.Line(IsPadded(l) ? $"int arg = plane + rowStart * {I(l.Input.Width)} + colStart;" : "int arg = o;");
                w.Line("float v;");
                EmitWindowElements(w, l, index =>
                {
                    w.Line($"v = {Unsafe}.Add(ref x, {index});");
                    w.Line($"if (v > max || float.IsNaN(v)) {{ max = v; arg = {index}; }}");
                });
                w.Line(stage == Stage.Forward
                    ? $"{Unsafe}.Add(ref y, pix) = max;"
                    : $"{Unsafe}.Add(ref dx, arg) += {(l.RectifiesInputGradient ? $"Activations.ReluBackward(max, {Unsafe}.Add(ref dy, pix))" : $"{Unsafe}.Add(ref dy, pix)")};");
            }, vector);
        }
    }

    /// <summary>Average pooling; the divisor is the whole window unless padding is excluded (PyTorch's count_include_pad).</summary>
    internal sealed class AvgPoolEmitter : PoolEmitter
    {
        public static readonly AvgPoolEmitter Instance = new AvgPoolEmitter();

        public override Buffer[]? Buffers(LayerPlan l, Stage stage) => stage switch
        {
            Stage.Forward => new[] { Buffer.Input, Buffer.Output },
            Stage.BackwardData => new[] { Buffer.OutputGradient, Buffer.InputGradient },
            _ => null,
        };

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            if (stage == Stage.BackwardData && !WritesEveryInput(l)) EmitClear(w, l, "dx");
            if (IsPairwise(l))
            {
                string Below(string top) => $"{top} + {I(l.Input.Width)}";
                EmitRowPairs(w, l, stage == Stage.Forward ? "AverageForward" : "AverageBackward", (top, pix) => stage == Stage.Forward
                    ? $"{At("x", top)}, {At("x", Below(top))}, {At("y", pix)}"
                    : $"{At("dy", pix)}, {At("dx", top)}, {At("dx", Below(top))}");
                return;
            }
            // In floor mode a window never reaches past the padded input, so with padding counted the divisor is constant;
            // without, a window inside its row divides by its rows times KernelW.
            bool constantDivisor = !IsPadded(l) || l.Spec.CountIncludePad;
            System.Action? vector = stage != Stage.Forward ? null : () =>
            {
                w.Line("Vector256F sum = Vector256F.Zero;");
                EmitVectorTaps(w, l, tap => w.Line($"sum += {tap};"));
                string divisor = constantDivisor ? I((long)l.Spec.KernelH * l.Spec.KernelW) : $"(rowEnd - rowStart) * {I(l.Spec.KernelW)}";
                w.Line($"Vector256.StoreUnsafe(sum / Vector256.Create((float)({divisor})), ref y, (nuint)pix);");
            };
            EmitWindows(w, l, () =>
            {
                string divisor = constantDivisor
                    ? I((long)l.Spec.KernelH * l.Spec.KernelW)
                    : "((rowEnd - rowStart) * (colEnd - colStart))";
                if (stage == Stage.Forward)
                {
                    w.Line("float sum = 0f;");
                    EmitWindowElements(w, l, index => w.Line($"sum += {Unsafe}.Add(ref x, {index});"));
                    w.Line($"{Unsafe}.Add(ref y, pix) = sum / {divisor};");
                }
                else
                {
                    w.Line($"float share = {Unsafe}.Add(ref dy, pix) / {divisor};");
                    EmitWindowElements(w, l, index => w.Line($"{Unsafe}.Add(ref dx, {index}) += share;"));
                }
            }, vector);
        }
    }
}
