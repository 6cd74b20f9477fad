using System;
using GenConv.Model;
using GenConv.Tests.Models;
using GenConv.Training;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>The worked examples of the seed documents (../shared/docs/seed-notes.md), on generated models.</summary>
    public sealed class SeedExampleTests
    {
        [Fact]
        public void Seed002_ConvolutionOfTheFiveByFiveImage()
        {
            var model = new Seed002Convolution();
            new float[] { 1, 0, 1, 0, 1, 0, 1, 0, 1 }.CopyTo(model.Parameters);
            float[] image = { 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0 };
            var output = new float[Seed002Convolution.OutputLength];
            model.Forward(image, output);
            Assert.Equal(new float[] { 4, 3, 4, 2, 4, 3, 2, 3, 4 }, output);
        }

        [Fact]
        public void Seed002_AveragePoolBackwardSpreadsDeltaOverTheWindow()
        {
            var model = new Seed002AveragePool();
            var output = new float[4];
            model.Forward(new float[16], output);
            var dx = new float[16];
            model.Backward(new float[] { 4, 8, 12, 16 }, dx);
            // Each input of a 2×2 window receives delta / m with m = 4.
            Assert.Equal(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, dx);
        }

        [Fact]
        public void Seed002_MaxPoolBackwardRoutesDeltaToTheMaximum()
        {
            var model = new Seed002MaxPool();
            float[] x = { 1, 5, 2, 0, 3, 4, 9, 1, 0, 0, 7, 7, 8, 0, 6, 7 };
            var y = new float[4];
            model.Forward(x, y);
            Assert.Equal(new float[] { 5, 9, 8, 7 }, y);
            var dx = new float[16];
            model.Backward(new float[] { 10, 20, 30, 40 }, dx);
            // Ties (7, 7, 7 in the last window) go to the first maximum in scan order, as PyTorch.
            Assert.Equal(new float[] { 0, 10, 0, 0, 0, 0, 20, 0, 0, 0, 40, 0, 30, 0, 0, 0 }, dx);
        }

        [Fact]
        public void Seed003_OneDimensionalBackward()
        {
            var model = new Seed003Convolution1D();
            float[] w = { 1, 2, 3, 4 };
            w.CopyTo(model.Parameters);
            float[] x = { 1, -2, 3, -4, 5, -6, 7 };
            var o = new float[4];
            model.Forward(x, o);
            Assert.Equal(new float[] { 1 - 4 + 9 - 16, -2 + 6 - 12 + 20, 3 - 8 + 15 - 24, -4 + 10 - 18 + 28 }, o);
            float[] dO = { 0.5f, -1, 2, 3 };
            var dx = new float[7];
            model.Backward(dO, dx);
            // The first input only meets the first tap of the first output: dL/dx1 = dL/do1·w1.
            Assert.Equal(dO[0] * w[0], dx[0]);
            // An input seen by all four outputs gets the incoming gradient convolved with the flipped filter.
            Assert.Equal(dO[3] * w[0] + dO[2] * w[1] + dO[1] * w[2] + dO[0] * w[3], dx[3]);
            // dW is the input correlated with dL/do.
            for (int k = 0; k < 4; k++)
                Assert.Equal(x[k] * dO[0] + x[k + 1] * dO[1] + x[k + 2] * dO[2] + x[k + 3] * dO[3], model.Gradients[k], 5);
        }

        [Fact]
        public void Seed004_AddThenMultiply()
        {
            var model = new Seed004AddMultiply();
            new float[] { -4, -4 }.CopyTo(model.Parameters); // z on both inputs
            var f = new float[1];
            model.Forward(new float[] { -2, 5 }, f);
            Assert.Equal(-12f, f[0]);
            var dxy = new float[2];
            model.Backward(new float[] { 1 }, dxy);
            Assert.Equal(new float[] { -4, -4 }, dxy);                       // df/dx = df/dy = z
            Assert.Equal(3f, model.Gradients[0] + model.Gradients[1]);        // df/dz = x + y
        }

        [Fact]
        public void Seed004_SigmoidNeuron()
        {
            var model = new Seed004SigmoidNeuron();
            new float[] { 2, -3, -3 }.CopyTo(model.Parameters); // w0, w1, then the bias w2
            var f = new float[1];
            model.Forward(new float[] { -1, -2 }, f);
            Assert.Equal(0.73, f[0], 0.005);
            var dx = new float[2];
            model.Backward(new float[] { 1 }, dx);
            float local = f[0] * (1 - f[0]); // σ' = σ(1 − σ)
            Assert.Equal(-0.20, model.Gradients[0], 0.005);
            Assert.Equal(-0.39, model.Gradients[1], 0.005);
            Assert.Equal(0.20, model.Gradients[2], 0.005);
            Assert.Equal(0.39, dx[0], 0.005);
            Assert.Equal(-0.59, dx[1], 0.005);
            Assert.Equal(-1 * local, model.Gradients[0], 6);
            Assert.Equal(-3 * local, dx[1], 6);
        }

        [Fact]
        public void Seed004_SquaredNormOfMatrixVectorProduct()
        {
            var model = new Seed004MatrixVector();
            new float[] { 0.1f, 0.5f, -0.3f, 0.8f }.CopyTo(model.Parameters);
            var q = new float[2];
            model.Forward(new float[] { 0.2f, 0.4f }, q);
            Assert.Equal(0.22, q[0], 6);
            Assert.Equal(0.26, q[1], 6);
            Assert.Equal(0.116, q[0] * q[0] + q[1] * q[1], 6);
            var dx = new float[2];
            model.Backward(new float[] { 2 * q[0], 2 * q[1] }, dx); // df/dq = 2q
            double[] dW = { 0.088, 0.176, 0.104, 0.208 };
            for (int i = 0; i < 4; i++) Assert.Equal(dW[i], model.Gradients[i], 6);
            Assert.Equal(-0.112, dx[0], 6);
            Assert.Equal(0.636, dx[1], 6);
        }

        [Fact]
        public void Seed001_OutputSizesAndMacs()
        {
            // out = (in − k + 2·pad) // stride + 1; MACs = k_w·k_h·in_ch·out_ch·out_w·out_h.
            Assert.Equal((32 - 3 + 2 * 1) / 2 + 1, L5Convolution.Layer0OutputHeight);
            Assert.Equal(16, L5Convolution.Layer0OutputWidth);
            Assert.Equal(3L * 3 * 16 * 32 * 16 * 16, L5Convolution.Layer0Macs);
            Assert.Equal(5L * 5 * 1 * 6 * 28 * 28, LeNet5.Layer0Macs);
            Assert.Equal(5L * 5 * 6 * 16 * 10 * 10, LeNet5.Layer3Macs);
            Assert.Equal(16, LeNet5.Layer5OutputChannels);
            Assert.Equal(5, LeNet5.Layer5OutputHeight);
            Assert.Equal(61706, LeNet5.ParameterCount);
            Assert.Equal(LeNet5.Layer0OutputHeight, ShapeInference.OutputSize(28, 5, 1, 2, 2));
        }

        [Fact]
        public void Seed000_UpdateIsWeightMinusRateTimesGradient()
        {
            var model = new Seed002Convolution();
            float[] before = model.Parameters.ToArray();
            var y = new float[9];
            float[] image = new float[25];
            for (int i = 0; i < 25; i++) image[i] = i % 3 - 1;
            model.Forward(image, y);
            model.Backward(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, Span<float>.Empty);
            float[] gradient = model.Gradients.ToArray();
            new Sgd(model.Parameters.Length, learningRate: 0.1f).Step(model.Parameters, model.Gradients);
            for (int i = 0; i < before.Length; i++)
                Assert.Equal(before[i] - 0.1f * gradient[i], model.Parameters[i]);
        }
    }
}
