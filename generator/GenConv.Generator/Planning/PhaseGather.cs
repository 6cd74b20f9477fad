using System;
using System.Linq;
using GenConv.Model;

namespace GenConv.Generator.Planning
{
    /// <summary>
    /// Backward data of a strided convolution, gathered phase by phase. Input position x = s·n + e (phase e) takes
    /// exactly the taps k ≡ e + pad (mod s), each from output position n + (e + pad − k) / s: per phase a small stride-1
    /// correlation of dY with part of the kernel. So dX is summed in registers and written once, with no cleared
    /// accumulation buffer and no reload per tap, reading dY from a copy zero-padded by <see cref="Axis.PadBefore"/> and
    /// <see cref="Axis.PadAfter"/> (whose border stays zero from allocation on).
    /// </summary>
    internal sealed record PhaseGather(LayerPlan Layer, PhaseGather.Axis Rows, PhaseGather.Axis Columns, int ChannelTile, int RowTile)
    {
        /// <summary>
        /// Vector accumulators of one phase: the 12 of a 16-register pass. A dX element's taps follow each other in its
        /// chain (a stride-2 3×3's odd-odd phase adds four per output channel), so a pass needs that many independent
        /// accumulators for the FMA ports, not the chains' 4-cycle latency, to set the pace: passes of one phase with 2
        /// channels × 6 rows ran at about 93 GFLOP/s in a harness here, those of two phases × 2 channels × 3 rows at 82.
        /// </summary>
        private static int PhaseAccumulators => LayerPlan.WeightAccumulatorBudget(8);

        /// <summary>
        /// The gather where the phases are few (s_h·s_w ≤ 16, a pass or two of registers each) and a tile's taps, spelled
        /// out once per tile row and channel, fit the JIT's budget (<see cref="ModelPlanner.UnrolledTapBudget"/>); null at
        /// stride 1.
        /// </summary>
        public static PhaseGather? For(LayerPlan l)
        {
            LayerSpec s = l.Spec;
            int phases = s.StrideH * s.StrideW, taps = s.KernelH * s.KernelW;
            if (s.Kind != LayerKind.Conv2D || phases == 1 || phases > 16 || taps > ModelPlanner.UnrolledTapBudget) return null;
            var rows = new Axis(s.StrideH, s.PadTop, s.KernelH, l.Input.Height, l.Output.Height);
            var columns = new Axis(s.StrideW, s.PadLeft, s.KernelW, l.Input.Width, l.Output.Width);
            int channelTile = Math.Min(l.Input.Channels, 2 * taps <= ModelPlanner.UnrolledTapBudget ? 2 : 1);
            int rowsInBudget = Math.Min(PhaseAccumulators / channelTile, ModelPlanner.UnrolledTapBudget / (channelTile * taps));
            int rowTile = Math.Max(1, Math.Min(rows.CommonCount, rowsInBudget));
            return new PhaseGather(l, rows, columns, channelTile, rowTile);
        }

        /// <summary>
        /// Whether the tiles store into dX itself: every dX row is then a whole number of the tiles' column vectors, one
        /// phase (column stride 1) or two interleaved as they are stored (stride 2, even width). Otherwise they store into
        /// the conv's padded, phase-split layout, copied into dX afterwards.
        /// </summary>
        public bool StoresPlain => Columns.Stride == 1 || (Columns.Stride == 2 && Columns.Count(0) == Columns.Count(1));

        /// <summary>Floats per channel row of the padded dY copy, and per sample of it.</summary>
        public int PaddedOutputWidth => Layer.Output.Width + Columns.PadBefore + Columns.PadAfter;
        public int PaddedOutputPlane => (Layer.Output.Height + Rows.PadBefore + Rows.PadAfter) * PaddedOutputWidth;
        public long PaddedOutputLength => (long)Layer.Output.Channels * PaddedOutputPlane;

        /// <summary>One spatial dimension: input positions s·n + phase, each summing the taps of its phase.</summary>
        internal sealed record Axis(int Stride, int Pad, int Kernel, int InputSize, int OutputSize)
        {
            /// <summary>Input positions of <paramref name="phase"/>: n in [0, Count).</summary>
            public int Count(int phase) => phase < InputSize ? (InputSize - phase + Stride - 1) / Stride : 0;

            /// <summary>Positions every phase has (the rest, at most one per phase, is a tail).</summary>
            public int CommonCount => Count(Stride - 1);

            /// <summary>The phase whose positions tap <paramref name="k"/> feeds.</summary>
            public int PhaseOf(int k) => ((k - Pad) % Stride + Stride) % Stride;

            /// <summary>Output position − n for tap <paramref name="k"/> (exact: k ≡ phase + pad mod stride).</summary>
            public int Shift(int k) => (PhaseOf(k) + Pad - k) / Stride;

            private (int Low, int High)[] Reach => Enumerable.Range(0, Kernel).Where(k => Count(PhaseOf(k)) > 0)
                .Select(k => (Shift(k), Count(PhaseOf(k)) - 1 + Shift(k))).ToArray();

            /// <summary>Zero positions dY needs before and after its own for every tap's read to land inside the copy.</summary>
            public int PadBefore => Math.Max(0, -Reach.Select(r => r.Low).DefaultIfEmpty(0).Min());
            public int PadAfter => Math.Max(0, Reach.Select(r => r.High).DefaultIfEmpty(0).Max() - (OutputSize - 1));
        }
    }
}
