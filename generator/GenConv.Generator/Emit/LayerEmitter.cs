using System;
using System.Collections.Generic;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;
using GenConv.Model;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// The buffers a layer kernel can take. Every kernel's signature is <c>(int batch, ref float …)</c> over a list of
    /// these; the model emitter knows where each one lives (activation, parameter slice, scratch), so layer emitters
    /// never deal with the memory plan and the model emitter never deals with a layer's math.
    /// </summary>
    internal enum Buffer
    {
        Input,
        Output,
        Weight,
        Bias,
        PaddedInput,
        OutputGradient,
        InputGradient,
        WeightGradient,
        BiasGradient,
        /// <summary>dX in the conv's padded, phase-split layout, for a scatter or phase gather: the running thread's slot of kernel scratch.</summary>
        PaddedInputGradient,
        /// <summary>The kernel flipped and channel-swapped, for backward data as a convolution.</summary>
        TransposedWeight,
        /// <summary>dY zero-padded (by K − 1 − P for backward data as a convolution; around the phases for a gather): the running thread's slot of kernel scratch.</summary>
        PaddedOutputGradient,
        /// <summary>dY pixel-major (per sample [pixel][output channel], channels padded to a vector multiple), for backward weights.</summary>
        TransposedOutputGradient,
        /// <summary>A layer's weight-gradient sums in progress, in the kernel's own layout (fixed size).</summary>
        WeightGradientScratch,
        /// <summary>A Winograd convolution's input tiles and products for one block: the running thread's slot of kernel scratch.</summary>
        WinogradScratch,
        /// <summary>A Winograd convolution's transformed input and dY tiles for backward weights, one slot per part of the batch.</summary>
        WinogradGradientScratch,
        /// <summary>A Winograd convolution's transformed kernel U = G g Gᵀ for forward, kept while the weights stay the same.</summary>
        WinogradKernel,
        /// <summary>The weights <see cref="WinogradKernel"/> was computed from, bit for bit, and a last float that is 1 once it has been.</summary>
        WinogradKernelSource,
        /// <summary>The transformed flipped kernel for backward data through Winograd, computed once per Backward.</summary>
        WinogradBackwardKernel,
    }

    /// <summary>
    /// The kernels a layer can have. Every kernel is <c>(int batch, int start, int end, ref float …)</c> and does the part
    /// [start, end) of its stage's parallel dimension (<see cref="LayerEmitter.ParallelOver"/>): samples for forward and
    /// backward data, the layer's own work units for backward weights (a dense layer's output rows, each one's sum over
    /// the whole batch in one thread, in one order; a convolution's fixed parts of the batch, <see cref="LayerPlan.SampleParts"/>).
    /// Any split of that range gives the same bits, which is what makes threads deterministic.
    /// </summary>
    internal enum Stage
    {
        /// <summary>Once per Forward, before it, on one thread: weight-only preparation kept while the weights stay the same (a Winograd kernel transform).</summary>
        PrepareForward,
        Forward,
        /// <summary>
        /// Forward for inference alone (no Backward follows), where skipping what only backward reads makes a kernel of its
        /// own faster: a convolution that reads its input rows in place instead of writing the padded copy backward weights
        /// reads (<see cref="LayerPlan.ReadsRowsInPlace"/>). Layers without one run <see cref="Forward"/>.
        /// </summary>
        Infer,
        BackwardWeights,
        /// <summary>Once per Backward, before backward data, on one thread: weight-only preparation (a flipped kernel, and its Winograd transform).</summary>
        PrepareBackwardData,
        BackwardData,
        /// <summary>Once per Backward, after backward weights, on one thread: the parts' partial sums added in part order and written out.</summary>
        FinishBackwardWeights,
    }

    /// <summary>What a stage's [start, end) range counts.</summary>
    internal enum ParallelDimension
    {
        Samples,
        /// <summary>Work units of one layer's backward weights (<see cref="LayerEmitter.WeightGradientUnits"/>).</summary>
        WeightUnits,
        /// <summary>Fixed parts of the batch (<see cref="LayerPlan.SampleParts"/>): a convolution's backward weights.</summary>
        SampleParts,
        /// <summary>No split: the kernel runs once, over [0, 1).</summary>
        None,
    }

    /// <summary>Emits one layer kind's kernels, forward and backward side by side. Bodies only; headers are common.</summary>
    internal abstract class LayerEmitter
    {
        protected const string Unsafe = "Unsafe";

        public static LayerEmitter For(LayerKind kind) => kind switch
        {
            LayerKind.Conv2D => ConvEmitter.Instance,
            LayerKind.MaxPool2D => MaxPoolEmitter.Instance,
            LayerKind.AvgPool2D => AvgPoolEmitter.Instance,
            LayerKind.Dense => DenseEmitter.Instance,
            _ => ActivationEmitter.Instance,
        };

        /// <summary>Buffers of a stage's kernel, or null when the layer has no such kernel.</summary>
        public abstract Buffer[]? Buffers(LayerPlan layer, Stage stage);

        public abstract void EmitBody(SourceWriter w, LayerPlan layer, Stage stage);

        public ParallelDimension ParallelOver(LayerPlan layer, Stage stage) => stage switch
        {
            Stage.BackwardWeights => WeightGradientOverSampleParts(layer) ? ParallelDimension.SampleParts : ParallelDimension.WeightUnits,
            Stage.PrepareForward or Stage.PrepareBackwardData or Stage.FinishBackwardWeights => ParallelDimension.None,
            _ => ParallelDimension.Samples,
        };

        /// <summary>How many independent parts backward weights splits into (output features unless the layer says otherwise).</summary>
        public virtual int WeightGradientUnits(LayerPlan layer) => layer.Output.Channels;

        /// <summary>Whether backward weights' units are parts of the batch (<see cref="LayerPlan.SampleParts"/>) rather than parts of the weights.</summary>
        public virtual bool WeightGradientOverSampleParts(LayerPlan layer) => false;

        public static string ParameterName(Buffer buffer) => buffer switch
        {
            Buffer.Input => "x",
            Buffer.Output => "y",
            Buffer.Weight => "w",
            Buffer.Bias => "b",
            Buffer.PaddedInput => "xp",
            Buffer.OutputGradient => "dy",
            Buffer.InputGradient => "dx",
            Buffer.WeightGradient => "dw",
            Buffer.BiasGradient => "db",
            Buffer.PaddedInputGradient => "dxp",
            Buffer.TransposedWeight => "wt",
            Buffer.PaddedOutputGradient => "dyp",
            Buffer.TransposedOutputGradient => "dyt",
            Buffer.WeightGradientScratch => "acc",
            Buffer.WinogradScratch => "wg",
            Buffer.WinogradGradientScratch => "wgb",
            Buffer.WinogradKernel => "wk",
            Buffer.WinogradKernelSource => "wks",
            Buffer.WinogradBackwardKernel => "wkt",
            _ => throw new ArgumentOutOfRangeException(nameof(buffer)),
        };

        protected static string I(long value) => SourceWriter.Int(value);

        /// <summary>
        /// Loops <paramref name="name"/> over [0, count) in the fewest tiles of at most <paramref name="tile"/>, their sizes
        /// differing by at most one (32 channels by 6 are 6, 6, 5, 5, 5, 5, not 6 × 5 and 2): a sliver of a tile has too
        /// few accumulators to cover the FMA latency and reloads its inputs for little work. The larger tiles loop first.
        /// </summary>
        protected static void EmitTiles(SourceWriter w, string name, int count, int tile, Action<int> emitTile)
        {
            var (_, large, boundary) = Tiling(count, tile);
            EmitTileLoop(w, name, 0, boundary, large, emitTile);
            EmitTileLoop(w, name, boundary, count, large - 1, emitTile);
        }

        /// <summary>How many tiles <see cref="EmitTiles"/> makes, the larger tile size, and where the tiles one smaller begin.</summary>
        protected static (int Tiles, int Large, int Boundary) Tiling(int count, int tile)
        {
            int tiles = (count + tile - 1) / tile, large = (count + tiles - 1) / tiles;
            return (tiles, large, (count - tiles * (large - 1)) * large);
        }

        /// <summary>The [First, First + Count) ranges of the tiles <see cref="EmitTiles"/> makes, for code that spells each one out.</summary>
        protected static (int First, int Count)[] TileRanges(int count, int tile)
        {
            var (_, large, boundary) = Tiling(count, tile);
            var ranges = new List<(int First, int Count)>();
            for (int first = 0; first < count; first += first < boundary ? large : large - 1)
                ranges.Add((first, first < boundary ? large : large - 1));
            return ranges.ToArray();
        }

        /// <summary>The tile sizes <see cref="EmitTiles"/> uses for these arguments.</summary>
        protected static IEnumerable<int> TileSizes(int count, int tile)
        {
            var (_, large, boundary) = Tiling(count, tile);
            if (boundary > 0) yield return large;
            if (boundary < count) yield return large - 1;
        }

        protected static void EmitTileLoop(SourceWriter w, string name, int first, int end, int size, Action<int> emitTile)
        {
            if (first >= end) return;
            if (end - first == size)
                using (w.Open(""))
                {
                    w.Line($"const int {name} = {I(first)};");
                    emitTile(size);
                }
            else
                using (w.Open($"for (int {name} = {I(first)}; {name} < {I(end)}; {name} += {I(size)})"))
                    emitTile(size);
        }

        /// <summary><paramref name="value"/> (a float or vector expression) through the layer's fused activation, if it has one.</summary>
        protected static string Activated(LayerPlan layer, string value) => layer.FusedActivation switch
        {
            null => value,
            { Kind: LayerKind.ReLU } => $"Activations.Relu({value})",
            { Kind: LayerKind.LeakyReLU } a => $"Activations.LeakyRelu({value}, {SourceWriter.Float(a.Slope)})",
            { } a => throw new InvalidOperationException("Only rectifiers are fused, not " + a.Kind),
        };

        /// <summary>
        /// Binds each named scratch buffer, <c>ref float dxps = …</c>, for what a sample needs only while it is computed (a
        /// padded copy of dY or dX, Winograd tiles): the caller passes the slot of the thread running the call, so
        /// concurrent calls never share one, and each sample reuses the same floats, which stay in that thread's cache.
        /// </summary>
        protected static void BindCallScratch(SourceWriter w, params string[] scratch)
        {
            foreach (string buffer in scratch)
                w.Line($"ref float {buffer}s = ref {buffer}; // this thread's scratch, reused by each sample");
        }

        /// <summary>Opens <c>for (int n = start; n &lt; end; n++)</c> and binds each named buffer to its sample: <c>ref float xs = …</c>.</summary>
        protected static SourceWriter.Block OpenSampleLoop(SourceWriter w, params (string Buffer, long Length)[] perSample)
        {
            SourceWriter.Block block = w.Open("for (int n = start; n < end; n++)");
            foreach (var (buffer, length) in perSample)
                w.Line($"ref float {buffer}s = ref {Unsafe}.Add(ref {buffer}, n * {I(length)});");
            return block;
        }

        /// <summary>
        /// The backward of a ReLU right before this layer, dX = dY where its output (this layer's input, at
        /// <paramref name="x"/>) is positive and +0 elsewhere, applied to <paramref name="length"/> floats of dX at
        /// <paramref name="dx"/> just computed (a sample, or a plane), while they are still in cache: the same operations as
        /// the ReLU's own kernel, without a pass over the whole batch's gradients.
        /// </summary>
        protected static void EmitRectified(SourceWriter w, string x, string dx, long length)
        {
            w.Line("// The ReLU before this layer: its backward on the dX just computed.");
            using (w.Open(""))
            {
                w.Line("int q = 0;");
                using (w.Open("if (Vector.IsHardwareAccelerated)"))
                using (w.Open($"for (; q <= {I(length)} - VectorF.Count; q += VectorF.Count)"))
                    w.Line($"Vector.StoreUnsafe(Activations.ReluBackward(Vector.LoadUnsafe(ref {x}, (nuint)q), Vector.LoadUnsafe(ref {dx}, (nuint)q)), ref {dx}, (nuint)q);");
                using (w.Open($"for (; q < {I(length)}; q++)"))
                    w.Line($"{Unsafe}.Add(ref {dx}, q) = Activations.ReluBackward({Unsafe}.Add(ref {x}, q), {Unsafe}.Add(ref {dx}, q));");
            }
        }

        /// <summary>
        /// Emits one statement per kernel tap (kh, kw). <paramref name="tap"/> gets the input offset from the window
        /// origin and the tap's index in the KH×KW window, as constant literals when the window is fully unrolled,
        /// as expressions over loop variables otherwise (the plan decides, to stay inside the JIT's budget).
        /// Rows are <paramref name="rowStride"/> floats apart; columns map through <paramref name="columnOffset"/>
        /// (the identity, or the convolution's phase-split layout) when a column is known, <paramref name="columnExpression"/> otherwise.
        /// With <paramref name="nativeRow"/> a row loop's offsets and indexes are nint (for callers that only add them to refs).
        /// </summary>
        protected static void EmitTaps(SourceWriter w, LayerPlan layer, int rowStride, Action<string, string> tap,
            Func<int, int>? columnOffset = null, Func<string, string>? columnExpression = null, bool nativeRow = false)
        {
            int kh = layer.Spec.KernelH, kw = layer.Spec.KernelW;
            columnOffset ??= c => c;
            columnExpression ??= c => c;
            switch (layer.Unroll)
            {
                case WindowUnroll.Full:
                    for (int r = 0; r < kh; r++)
                        for (int c = 0; c < kw; c++)
                            tap(I((long)r * rowStride + columnOffset(c)), I((long)r * kw + c));
                    break;
                case WindowUnroll.Row:
                    // A native-int row (where the caller only adds the offsets to refs): the JIT then folds each tap's
                    // constant column into the load's address instead of adding it to the row in 32 bits and
                    // sign-extending the sum, two instructions per load.
                    using (w.Open($"for ({(nativeRow ? "nint" : "int")} kh = 0; kh < {I(kh)}; kh++)"))
                        for (int c = 0; c < kw; c++)
                            tap($"kh * {I(rowStride)} + {I(columnOffset(c))}", $"kh * {I(kw)} + {I(c)}");
                    break;
                default:
                    using (w.Open($"for (int kh = 0; kh < {I(kh)}; kh++)"))
                    using (w.Open($"for (int kw = 0; kw < {I(kw)}; kw++)"))
                        tap($"kh * {I(rowStride)} + {columnExpression("kw")}", $"kh * {I(kw)} + kw");
                    break;
            }
        }

        /// <summary>
        /// Loops over input channels (or binds channel 0 when there is one), with <c>xi</c> the channel's window origin
        /// (from <paramref name="origin"/>, planes of <paramref name="planeLength"/>) and <c>wi</c> its weight offset.
        /// </summary>
        protected static void EmitChannelLoop(SourceWriter w, LayerPlan layer, string origin, int planeLength, Action body)
        {
            int channels = layer.Input.Channels, window = layer.Spec.KernelH * layer.Spec.KernelW;
            using (w.Open(channels == 1 ? "" : $"for (int ic = 0; ic < {I(channels)}; ic++)"))
            {
                if (channels == 1)
                {
                    w.Line($"ref float xi = ref {origin};");
                    w.Line("const int wi = 0;");
                }
                else
                {
                    w.Line($"ref float xi = ref {Unsafe}.Add(ref {origin}, ic * {I(planeLength)});");
                    // Native-int, as the taps' rows: a weight tap's constant then folds into its load's address.
                    w.Line($"nint wi = (nint)ic * {I(window)};");
                }
                body();
            }
        }
    }
}
