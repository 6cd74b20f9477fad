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
        /// a time through it, with the same names for the first of the 8, where 256-bit vectors are accelerated; the last
        /// step is moved back to end with the row's vector windows (it writes the same results again).
        /// <para>
        /// A backward, which adds into dX, passes <paramref name="scatterTap"/> as well: its vector steps are disjoint
        /// (<see cref="BackwardVectorWindows"/>; the rest go one at a time) and only save what each window gives its taps,
        /// at <c>step</c> = ow − vectorFirst. Then one loop per tap adds those into dX, every step of the row for that tap
        /// before the next: <paramref name="scatterTap"/> gets the tap's dX index for the step at <c>ow</c> and the tap's index
        /// in the window. Taps go right to left, so an element several windows overlap receives their shares left window
        /// first, as the scalar kernel (window after window) adds them; and no step reads back the dX it has just written.
        /// </para>
        /// <paramref name="afterPlane"/> runs after each plane's windows (<c>plane</c> is its first input index).
        /// </summary>
        protected static void EmitWindows(SourceWriter w, LayerPlan l, System.Action body, System.Action? vectorBody = null,
            System.Action<string, string>? scatterTap = null, System.Action? afterPlane = null)
        {
            int h = l.Input.Height, width = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
            var (first, end) = scatterTap is null ? VectorWindows(l) : BackwardVectorWindows(l);
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
                        EmitVectorColumns(w, l, body, vectorBody, scatterTap, first, end);
                }
                afterPlane?.Invoke();
            }
        }

        /// <summary>One output row of <see cref="EmitWindows"/> with vector steps over windows [first, end).</summary>
        private static void EmitVectorColumns(SourceWriter w, LayerPlan l, System.Action body, System.Action vectorBody,
            System.Action<string, string>? scatterTap, int first, int end)
        {
            int ow = l.Output.Width;
            w.Line($"int vectorFirst = Vector256.IsHardwareAccelerated ? {I(first)} : {I(ow)}, vectorEnd = Vector256.IsHardwareAccelerated ? {I(end)} : {I(ow)};");
            EmitColumns(w, l, "0", "vectorFirst", "ow++", body);
            if (scatterTap is null)
                EmitColumns(w, l, "vectorFirst", "vectorEnd", "ow = global::GenConv.Kernels.PoolWindows.Next(ow, 8, vectorEnd)", vectorBody);
            else
            {
                EmitColumns(w, l, "vectorFirst", "vectorEnd", "ow += 8", () =>
                {
                    w.Line("int step = ow - vectorFirst;");
                    vectorBody();
                });
                EmitScatter(w, l, scatterTap);
            }
            EmitColumns(w, l, "vectorEnd", I(ow), "ow++", body);
        }

        /// <summary>Backward's vector windows of a row: <see cref="VectorWindows"/> in whole steps of 8.</summary>
        protected static (int First, int End) BackwardVectorWindows(LayerPlan l)
        {
            var (first, end) = VectorWindows(l);
            return (first, first + (end - first) / 8 * 8);
        }

        /// <summary>The loops of <see cref="EmitWindows"/>'s backward scatter: taps right to left, then rows, then steps.</summary>
        private static void EmitScatter(SourceWriter w, LayerPlan l, System.Action<string, string> tap)
        {
            int kh = l.Spec.KernelH, kw = l.Spec.KernelW, width = l.Input.Width;
            void Column(string column)
            {
                using (w.Open(IsPadded(l) ? "for (int r = rowStart; r < rowEnd; r++)" : $"for (int r = 0; r < {I(kh)}; r++)"))
                using (w.Open("for (int ow = vectorFirst; ow < vectorEnd; ow += 8)"))
                {
                    string index = IsPadded(l)
                        ? $"plane + r * {I(width)} + {FirstColumn(l)} + {column}"
                        : $"{Origin(l)} + r * {I(width)} + {column}";
                    tap(index, IsPadded(l) ? $"(r - r0) * {I(kw)} + {column}" : $"r * {I(kw)} + {column}");
                }
            }
            if (kw > 16)
            {
                using (w.Open($"for (int c = {I(kw - 1)}; c >= 0; c--)"))
                    Column("c");
            }
            else
                for (int c = kw - 1; c >= 0; c--)
                    Column(I(c));
        }

        /// <summary>Backward's per-row scratch for what its vector steps save: a stack span of <paramref name="type"/>.</summary>
        protected static void EmitStepScratch(SourceWriter w, LayerPlan l, string type, string name)
        {
            var (first, end) = BackwardVectorWindows(l);
            if (end - first >= 8)
                w.Line($"ref {type} {name} = ref MemoryMarshal.GetReference(stackalloc {type}[{I(end - first)}]);");
        }

        private static void EmitColumns(SourceWriter w, LayerPlan l, string from, string to, string step, System.Action body)
        {
            using (w.Open($"for (int ow = {from}; ow < {to}; {step})"))
            {
                w.Line($"int pix = outPlane + oh * {I(l.Output.Width)} + ow;");
                if (IsPadded(l))
                {
                    w.Line($"int c0 = {FirstColumn(l)};");
                    w.Line($"int colStart = Math.Max(c0, 0), colEnd = Math.Min(c0 + {I(l.Spec.KernelW)}, {I(l.Input.Width)});");
                }
                else
                    w.Line($"int o = {Origin(l)};");
                body();
            }
        }

        /// <summary>Window <c>ow</c>'s first column, possibly negative (padded windows), as code.</summary>
        private static string FirstColumn(LayerPlan l) => $"ow * {I(l.Spec.StrideW)} - {I(l.Spec.PadLeft)}";

        /// <summary>Window (<c>oh</c>, <c>ow</c>)'s first input element (unpadded windows), as code.</summary>
        private static string Origin(LayerPlan l) => $"plane + oh * {I((long)l.Spec.StrideH * l.Input.Width)} + ow * {I(l.Spec.StrideW)}";

        /// <summary>
        /// The windows [First, End) of an output row whose every tap lies inside the input row, and at strides up to
        /// <see cref="ShuffledStride"/> the s − 1 floats after each tap as well (a tap of 8 windows loads 8·s floats and
        /// shuffles every s-th into place; wider strides load the 8 floats one by one).
        /// </summary>
        private static (int First, int End) VectorWindows(LayerPlan l)
        {
            int stride = l.Spec.StrideW, overread = stride <= ShuffledStride ? stride - 1 : 0;
            int first = (l.Spec.PadLeft + stride - 1) / stride;
            // Window ow reads up to column ow·s − PadLeft + KernelW − 1, and the overread.
            int lastOrigin = l.Input.Width - 1 - (l.Spec.KernelW - 1) - overread + l.Spec.PadLeft;
            int end = lastOrigin < 0 ? 0 : System.Math.Min(l.Output.Width, lastOrigin / stride + 1);
            return (first, System.Math.Max(first, end));
        }

        /// <summary>The largest column stride PoolWindows.Tap and AddTap gather with whole-vector loads and shuffles.</summary>
        private const int ShuffledStride = 4;

        /// <summary>
        /// One statement per tap of 8 windows from <c>ow</c> (all inside the row), in the scalar kernel's order:
        /// <paramref name="tap"/> gets the tap's 8 inputs and its index in the window (row · KernelW + column).
        /// </summary>
        protected static void EmitVectorTaps(SourceWriter w, LayerPlan l, System.Action<string, string> tap)
        {
            string Load(string index) => $"global::GenConv.Kernels.PoolWindows.Tap(ref {Unsafe}.Add(ref x, {index}), {I(l.Spec.StrideW)})";
            if (IsPadded(l))
            {
                using (w.Open("for (int r = rowStart; r < rowEnd; r++)"))
                    for (int c = 0; c < l.Spec.KernelW; c++)
                        tap(Load($"plane + r * {I(l.Input.Width)} + c0 + {I(c)}"), $"(r - r0) * {I(l.Spec.KernelW)} + {I(c)}");
            }
            else
                EmitTaps(w, l, l.Input.Width, (offset, index) => tap(Load($"o + {offset}"), index));
        }

        /// <summary>Adds a vector to one tap of 8 windows in dX (backward's vector step).</summary>
        protected static string AddTap(LayerPlan l, string index, string value) =>
            $"global::GenConv.Kernels.PoolWindows.AddTap(ref {Unsafe}.Add(ref dx, {index}), {I(l.Spec.StrideW)}, {value});";

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
        /// Calls Pool2x2.{method} over every row pair: <paramref name="arguments"/> gets the first input and output
        /// offsets of a run of row pairs as expressions and returns the call's buffer arguments. Planes of even height
        /// are one uniform run (row pair k at 2k input rows, k output rows) for the whole range of samples; otherwise,
        /// or when <paramref name="afterPlane"/> must run after each plane (<c>plane</c> is its first input index), one
        /// run per plane.
        /// </summary>
        protected static void EmitRowPairs(SourceWriter w, LayerPlan l, string method, System.Func<string, string, string> arguments, System.Action? afterPlane = null)
        {
            int channels = l.Input.Channels, width = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
            long planeLength = (long)l.Input.Height * width;
            string Call(string first, string firstOutput, string rowPairs) =>
                $"global::GenConv.Kernels.Pool2x2.{method}({arguments(first, firstOutput)}, {I(width)}, {I(ow)}, {rowPairs});";
            if (afterPlane is null && l.Input.Height == 2 * oh)
            {
                w.Line(Call($"start * {I(channels * planeLength)}", $"start * {I((long)channels * oh * ow)}", $"(end - start) * {I((long)channels * oh)}"));
                return;
            }
            using (w.Open($"for (int p = start * {I(channels)}; p < end * {I(channels)}; p++)"))
            {
                w.Line($"int plane = p * {I(planeLength)};");
                w.Line(Call("plane", $"p * {I((long)oh * ow)}", I(oh)));
                afterPlane?.Invoke();
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
            if (stage == Stage.BackwardData && !IsPairwise(l))
            {
                EmitStepScratch(w, l, "int", "argSaved");
                EmitStepScratch(w, l, "float", "gradientSaved");
            }
            if (IsPairwise(l))
            {
                EmitRowPairs(w, l, stage == Stage.Forward ? "MaxForward" : "MaxBackward", (top, pix) => stage == Stage.Forward
                    ? $"{At("x", top)}, {At("y", pix)}"
                    : $"{At("x", top)}, {At("dy", pix)}, {At("dx", top)}, {rectify}");
                return;
            }
            const string Windows = "global::GenConv.Kernels.PoolWindows";
            System.Action vector = () =>
            {
                w.Line("Vector256F max = Vector256.Create(float.NegativeInfinity);");
                if (stage == Stage.Forward)
                {
                    EmitVectorTaps(w, l, (tap, _) => w.Line($"max = {Windows}.Max(max, {tap});"));
                    w.Line("Vector256.StoreUnsafe(max, ref y, (nuint)pix);");
                    return;
                }
                // Each lane's arg-max as its tap's index in the window, and the dY it takes there, saved for the scatter.
                w.Line($"global::System.Runtime.Intrinsics.Vector256<int> arg = Vector256.Create({(IsPadded(l) ? $"(rowStart - r0) * {I(l.Spec.KernelW)}" : "0")});");
                w.Line("Vector256F v;");
                EmitVectorTaps(w, l, (tap, index) =>
                {
                    w.Line($"v = {tap};");
                    w.Line($"arg = {Windows}.ArgMax(max, v, arg, {index});");
                    w.Line($"max = {Windows}.Max(max, v);");
                });
                w.Line("Vector256F g = Vector256.LoadUnsafe(ref dy, (nuint)pix);");
                if (l.RectifiesInputGradient) w.Line("g = Activations.ReluBackward(max, g);");
                w.Line("Vector256.StoreUnsafe(arg, ref argSaved, (nuint)step);");
                w.Line("Vector256.StoreUnsafe(g, ref gradientSaved, (nuint)step);");
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
            }, vector, stage == Stage.Forward ? null : (index, tap) => w.Line(AddTap(l, index,
                $"{Windows}.AtArgMax(Vector256.LoadUnsafe(ref argSaved, (nuint)(ow - vectorFirst)), {tap}, Vector256.LoadUnsafe(ref gradientSaved, (nuint)(ow - vectorFirst)))")));
        }
    }

    /// <summary>Average pooling; the divisor is the whole window unless padding is excluded (PyTorch's count_include_pad).</summary>
    internal sealed class AvgPoolEmitter : PoolEmitter
    {
        public static readonly AvgPoolEmitter Instance = new AvgPoolEmitter();

        public override Buffer[]? Buffers(LayerPlan l, Stage stage) => stage switch
        {
            Stage.Forward => new[] { Buffer.Input, Buffer.Output },
            // With a ReLU before it, its output (this layer's input) masks each plane's dX once complete.
            Stage.BackwardData => l.RectifiesInputGradient
                ? new[] { Buffer.Input, Buffer.OutputGradient, Buffer.InputGradient }
                : new[] { Buffer.OutputGradient, Buffer.InputGradient },
            _ => null,
        };

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            System.Action? rectify = stage == Stage.BackwardData && l.RectifiesInputGradient
                ? () => EmitRectified(w, $"{Unsafe}.Add(ref x, plane)", $"{Unsafe}.Add(ref dx, plane)", (long)l.Input.Height * l.Input.Width)
                : null;
            if (stage == Stage.BackwardData && !WritesEveryInput(l)) EmitClear(w, l, "dx");
            if (stage == Stage.BackwardData && !IsPairwise(l)) EmitStepScratch(w, l, "float", "shareSaved");
            if (IsPairwise(l))
            {
                EmitRowPairs(w, l, stage == Stage.Forward ? "AverageForward" : "AverageBackward", (top, pix) => stage == Stage.Forward
                    ? $"{At("x", top)}, {At("y", pix)}"
                    : $"{At("dy", pix)}, {At("dx", top)}", rectify);
                return;
            }
            // In floor mode a window never reaches past the padded input, so with padding counted the divisor is constant;
            // without, a window inside its row divides by its rows times KernelW.
            bool constantDivisor = !IsPadded(l) || l.Spec.CountIncludePad;
            System.Action vector = () =>
            {
                string divisor = constantDivisor ? I((long)l.Spec.KernelH * l.Spec.KernelW) : $"(rowEnd - rowStart) * {I(l.Spec.KernelW)}";
                if (stage == Stage.Forward)
                {
                    w.Line("Vector256F sum = Vector256F.Zero;");
                    EmitVectorTaps(w, l, (tap, _) => w.Line($"sum += {tap};"));
                    w.Line($"Vector256.StoreUnsafe(sum / Vector256.Create((float)({divisor})), ref y, (nuint)pix);");
                    return;
                }
                w.Line($"Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref dy, (nuint)pix) / Vector256.Create((float)({divisor})), ref shareSaved, (nuint)step);");
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
            }, vector, stage == Stage.Forward ? null : (index, _) => w.Line(AddTap(l, index, "Vector256.LoadUnsafe(ref shareSaved, (nuint)(ow - vectorFirst))")), rectify);
        }
    }
}
