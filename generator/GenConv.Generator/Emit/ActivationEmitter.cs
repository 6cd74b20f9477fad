using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;
using GenConv.Model;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Element-wise activations over the whole batch, calling the runtime's scalar formulas (inlined by the JIT), so
    /// generated and generic models share one definition of each activation.
    /// </summary>
    internal sealed class ActivationEmitter : LayerEmitter
    {
        public static readonly ActivationEmitter Instance = new ActivationEmitter();

        public override Buffer[]? Buffers(LayerPlan l, Stage stage) => stage switch
        {
            Stage.Forward => new[] { Buffer.Input, Buffer.Output },
            Stage.BackwardData => new[] { Buffer.Input, Buffer.Output, Buffer.OutputGradient, Buffer.InputGradient },
            _ => null,
        };

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            string slope = SourceWriter.Float(l.Spec.Slope);
            (string forward, string backward) = l.Spec.Kind switch
            {
                LayerKind.ReLU => ("Activations.Relu(xv)", "Activations.ReluBackward(xv, g)"),
                LayerKind.LeakyReLU => ($"Activations.LeakyRelu(xv, {slope})", $"Activations.LeakyReluBackward(xv, g, {slope})"),
                LayerKind.Sigmoid => ("Activations.Sigmoid(xv)", "Activations.SigmoidBackward(yv, g)"),
                _ => ("Activations.Tanh(xv)", "Activations.TanhBackward(yv, g)"),
            };
            using (w.Open($"for (int i = start * {I(l.InputLength)}; i < end * {I(l.InputLength)}; i++)"))
            {
                w.Line($"float xv = {Unsafe}.Add(ref x, i);");
                if (stage == Stage.Forward)
                    w.Line($"{Unsafe}.Add(ref y, i) = {forward};");
                else
                {
                    w.Line($"float yv = {Unsafe}.Add(ref y, i);");
                    w.Line($"float g = {Unsafe}.Add(ref dy, i);");
                    w.Line($"{Unsafe}.Add(ref dx, i) = {backward};");
                }
            }
        }
    }
}
