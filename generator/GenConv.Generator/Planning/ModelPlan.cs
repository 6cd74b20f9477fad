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
        public bool NeedsPaddedInput => Spec.Kind == LayerKind.Conv2D && (Spec.PadTop | Spec.PadBottom | Spec.PadLeft | Spec.PadRight) != 0;
        public int PaddedHeight => Input.Height + Spec.PadTop + Spec.PadBottom;
        public int PaddedWidth => Input.Width + Spec.PadLeft + Spec.PadRight;
        /// <summary>Floats of one padded input sample (the conv's own input layout; equals the input when unpadded).</summary>
        public int PaddedLength => Input.Channels * PaddedHeight * PaddedWidth;
        public int InputLength => (int)Input.Length;
        public int OutputLength => (int)Output.Length;
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
        int ParameterCount)
    {
        public int InputLength => (int)Input.Length;
        public int OutputLength => (int)Output.Length;
    }

    /// <summary>The planner's outcome: a plan, or the diagnostics that prevent one (never both missing).</summary>
    internal sealed record PlanResult(ModelPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);
}
