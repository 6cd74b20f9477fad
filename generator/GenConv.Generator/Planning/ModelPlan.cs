using GenConv.Generator.Helpers;
using GenConv.Generator.Parsing;
using GenConv.Model;

namespace GenConv.Generator.Planning
{
    /// <summary>How much of a kernel window an emitted loop nest spells out tap by tap.</summary>
    internal enum WindowUnroll
    {
        /// <summary>Every (kh, kw) tap is a line with constant offsets.</summary>
        Full,
        /// <summary>kh is a loop with a constant bound; the kw taps of one row are spelled out.</summary>
        Row,
        /// <summary>Both are loops with constant bounds (kernels too large to unroll inside the JIT's budget).</summary>
        None,
    }

    /// <summary>Everything the emitters need about one layer: shapes, parameter offsets, buffers and tiling.</summary>
    internal sealed record LayerPlan(
        int Index,
        LayerSpec Spec,
        TensorShape Input,
        TensorShape Output,
        string ParameterName,
        int WeightOffset,
        int WeightCount,
        int BiasOffset,
        int BiasCount,
        long Macs,
        WindowUnroll Unroll,
        int ChannelTile)
    {
        /// <summary>
        /// A convolution reads its own copy of the input when it pads or strides: zero-padded, and with each row split
        /// into StrideW phases (columns col ≡ p mod StrideW, compacted), so that consecutive output pixels read
        /// consecutive floats for every tap and every stride. At stride 1 this is the plain padded layout.
        /// </summary>
        public bool NeedsPaddedInput => Spec.Kind == LayerKind.Conv2D && ((Spec.PadTop | Spec.PadBottom | Spec.PadLeft | Spec.PadRight) != 0 || Spec.StrideW > 1);
        public int PaddedHeight => Input.Height + Spec.PadTop + Spec.PadBottom;
        public int PaddedWidth => Input.Width + Spec.PadLeft + Spec.PadRight;
        /// <summary>Floats per phase of a padded row: ⌈padded width / StrideW⌉.</summary>
        public int PhaseWidth => Spec.StrideW > 1 ? (PaddedWidth + Spec.StrideW - 1) / Spec.StrideW : PaddedWidth;
        /// <summary>Floats per padded row in the phase-split layout (all phases).</summary>
        public int PaddedRowStride => Spec.StrideW > 1 ? Spec.StrideW * PhaseWidth : PaddedWidth;
        /// <summary>Floats of one sample of the conv's own input layout (the input itself when it neither pads nor strides).</summary>
        public int PaddedLength => Input.Channels * PaddedHeight * PaddedRowStride;
        /// <summary>Offset of padded column <paramref name="column"/> within a padded row of the phase-split layout.</summary>
        public int ColumnOffset(int column) => Spec.StrideW > 1 ? column % Spec.StrideW * PhaseWidth + column / Spec.StrideW : column;
        public int InputLength => (int)Input.Length;
        public int OutputLength => (int)Output.Length;

        /// <summary>
        /// The ReLU or LeakyReLU that directly follows this conv or dense layer, applied by this layer's forward kernel as
        /// it stores each output (into the activation's output buffer): one pass over the activation instead of two.
        /// </summary>
        public LayerSpec? FusedActivation { get; init; }

        /// <summary>
        /// Inference reads the input itself on AVX-512, each row's even or odd columns split out in registers, instead of
        /// a padded, phase-split copy: an InferenceOnly model's forward, and a trainable model's <c>Infer</c> (its Forward
        /// writes the copy, which backward weights reads).
        /// </summary>
        public bool ReadsRowsInPlace { get; init; }

        /// <summary>This activation layer's forward runs inside the previous layer's kernel (<see cref="FusedActivation"/>): it has no input buffer.</summary>
        public bool ForwardFused { get; init; }

        /// <summary>This ReLU's backward runs inside the next layer's backward data (<see cref="RectifiesInputGradient"/>): dY of the ReLU is never stored.</summary>
        public bool BackwardFused { get; init; }

        /// <summary>
        /// The layer before this one is a ReLU whose backward this layer's backward data applies as it stores dX: kept where
        /// this layer's input (the ReLU's output) is positive, +0 elsewhere.
        /// </summary>
        public bool RectifiesInputGradient { get; init; }

        /// <summary>
        /// Floats per pixel of the pixel-major dY that convolution backward weights reads: the output channels rounded
        /// up to a whole number of the widest vector that divides them (4, 8, then 16), the extra lanes zero.
        /// </summary>
        public int GradientChannelStride => Output.Channels <= 4 ? 4 : Output.Channels <= 8 ? 8 : (Output.Channels + 15) / 16 * 16;

        /// <summary>
        /// Kernel rows that backward weights accumulates in one pass, as [first, end) groups of near-equal size: as many rows
        /// (all of them when the taps are not unrolled) as keep (vectors of output channels) × (taps) within <see cref="WeightAccumulatorBudget"/> on the widest path.
        /// </summary>
        public int[] WeightRowGroupStarts
        {
            get
            {
                if (!WeightTapsUnrolled) return new[] { 0, Spec.KernelH };
                int lanes = GradientChannelStride % 16 == 0 ? 16 : GradientChannelStride;
                int perRow = GradientChannelStride / lanes * Spec.KernelW;
                int rows = System.Math.Max(1, System.Math.Min(Spec.KernelH, WeightAccumulatorBudget(lanes) / perRow));
                int groups = (Spec.KernelH + rows - 1) / rows;
                var starts = new int[groups + 1];
                for (int g = 0; g <= groups; g++) starts[g] = g * Spec.KernelH / groups;
                return starts;
            }
        }

        /// <summary>
        /// Backward weights runs vectors over output pixels instead of output channels: where a 512-bit vector of
        /// channels would be mostly empty (fewer than 16 channels) but output rows fill whole vectors better (LeNet's
        /// first layer: 6 channels, rows of 28); or where each dY element takes part in few sums (input channels × taps
        /// ≤ 32) over whole vectors of pixels, so that making each sample's dY pixel-major for the channel vectors would
        /// cost about as much as the sums (L3: 3 channels × 9 taps, its 128 KB of dY a sample). Each weight then sums in
        /// 16 lane partials, reduced in a fixed tree.
        /// </summary>
        public bool WeightGradientOverPixels =>
            Spec.Kind == LayerKind.Conv2D && Output.Width >= PixelLanes && Spec.KernelW <= 12 && WeightTapsUnrolled
            && (Output.Channels < PixelLanes && Output.Width > Output.Channels * ((Output.Width + PixelLanes - 1) / PixelLanes) // pixel lanes busier than channel lanes
                || Output.Width % PixelLanes == 0 && (long)Input.Channels * Spec.KernelH * Spec.KernelW <= 32);

        /// <summary>Lanes of a pixel-vector weight-gradient partial: one 512-bit vector (two 256-bit, four 128-bit, or 16 floats).</summary>
        public const int PixelLanes = 16;

        /// <summary>
        /// Kernel rows in one pixel-vector weight-gradient unit. One row, so that more output channels share each X load,
        /// while a sample's dY fits L1 (LeNet's first layer: 18.4 KB); past that each unit streams its channels' dY from
        /// L2, so a unit takes as many rows (a divisor of the kernel's height) as keep one channel's accumulators, its dY
        /// vector and the X vector within 16 registers, so that every vector path holds them (L3: all 3 rows, reading dY
        /// a third as often).
        /// </summary>
        public int PixelWeightRows
        {
            get
            {
                if (4L * Output.Channels * Output.Height * Output.Width <= L1Bytes) return 1;
                for (int rows = Spec.KernelH; rows > 1; rows--)
                    if (Spec.KernelH % rows == 0 && PixelWeightChannels(rows, VectorRegisters(8)) >= 1) return rows;
                return 1;
            }
        }

        /// <summary>Output channels per pixel-vector weight-gradient unit on AVX-512 (<see cref="PixelWeightChannels"/>).</summary>
        public int PixelWeightChannelTile => System.Math.Max(1, System.Math.Min(Output.Channels, PixelWeightChannels(PixelWeightRows, VectorRegisters(16))));

        /// <summary>
        /// Output channels whose accumulators (<paramref name="rows"/> kernel rows' taps each), one dY vector per channel
        /// and the X vector their taps share keep one of <paramref name="registers"/> vector registers free for the JIT (as
        /// the 16-register tiles do). L3, 3 rows of 3 taps: 3 channels on AVX-512, 27 accumulators and 31 registers live;
        /// the accumulator budget of 24 gave 2, and 17 % more time.
        /// </summary>
        public int PixelWeightChannels(int rows, int registers) => (registers - 2) / (rows * Spec.KernelW + 1);

        /// <summary>Vector registers of the path with <paramref name="lanes"/> floats a vector: AVX-512's 32, else 16.</summary>
        public static int VectorRegisters(int lanes) => lanes == 16 ? 32 : 16;

        /// <summary>The smallest L1 data cache of the machines measured (32 KB); Zen 5's holds 48.</summary>
        private const int L1Bytes = 32 * 1024;

        /// <summary>
        /// A convolution's weight gradients are summed over the batch in this many parts of consecutive samples (part g is
        /// samples [batch·g/4, batch·(g+1)/4)), each into partial sums of its own, which are then added in part order. The
        /// count is fixed, not the thread count, so every thread count gives the same bits; each part is one unit of work
        /// and reads only its own samples' activations, which the thread that ran those samples forward still holds in its caches.
        /// </summary>
        public const int SampleParts = 4;

        /// <summary>Whether backward weights spells out its taps (as constant offsets) or loops over them: windows of up to 128 taps are spelled out.</summary>
        public bool WeightTapsUnrolled => (long)Spec.KernelH * Spec.KernelW <= 128;

        /// <summary>Vector accumulators a register tile may hold at <paramref name="lanes"/> floats per vector: 24 of AVX-512's 32 registers, 12 of AVX2's 16.</summary>
        public static int WeightAccumulatorBudget(int lanes) => lanes == 16 ? 24 : 12;
    }

    /// <summary>A whole model, ready to emit.</summary>
    internal sealed record ModelPlan(
        string Namespace,
        string TypeName,
        string Accessibility,
        string HintName,
        TensorShape Input,
        TensorShape Output,
        EquatableArray<LayerPlan> Layers,
        int ParameterCount,
        bool InferenceOnly,
        string? WeightsFile,
        EquatableArray<byte> BakedWeights)
    {
        public int InputLength => (int)Input.Length;
        public int OutputLength => (int)Output.Length;
    }

    /// <summary>The planner's outcome: a plan, or the diagnostics that prevent one (never both missing).</summary>
    internal sealed record PlanResult(ModelPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);
}
