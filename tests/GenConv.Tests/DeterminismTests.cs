using System;
using System.Linq;
using GenConv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// Bit-identical numerics across vector widths and thread counts: the probe (tests/GenConv.DeterminismProbe) runs the
    /// same forward, backward and training work on every reference workload in child processes whose SIMD support is cut
    /// down with DOTNET_Enable* settings, with 1 and 2 threads, and prints a SHA-256 per result; all must agree.
    /// </summary>
    public sealed class DeterminismTests
    {
        private readonly ITestOutputHelper output;

        public DeterminismTests(ITestOutputHelper output) => this.output = output;

        [Fact]
        public void ResultsAreBitIdenticalAcrossVectorWidthsAndThreadCounts()
        {
            var runs = new (string Setting, int Threads, string ExpectedPaths)[]
            {
                ("", 1, "Vector256 True"),
                ("", 2, "Vector256 True"),
                ("DOTNET_EnableAVX512=0", 2, "Vector512 False, Vector256 True"),
                ("DOTNET_EnableAVX2=0", 1, "Vector256 False, Vector128 True"),
                ("DOTNET_EnableAVX2=0", 2, "Vector256 False, Vector128 True"),
                ("DOTNET_EnableHWIntrinsic=0", 1, "Vector128 False, Vector<float> False"),
                ("DOTNET_EnableHWIntrinsic=0", 2, "Vector128 False, Vector<float> False"),
            };
            string[]? baseline = null;
            foreach (var (setting, threads, expectedPaths) in runs)
            {
                string[] lines = Probe.Run(threads, setting.Length == 0 ? Array.Empty<(string, string)>() : new[] { (setting.Split('=')[0], setting.Split('=')[1]) });
                string paths = lines[0];
                output.WriteLine($"{(setting.Length == 0 ? "default" : setting)}, {threads} thread(s): {paths}");
                // The setting must really have changed the paths (hardware without AVX2 would make this test vacuous).
                Assert.Contains(expectedPaths, paths);
                string[] hashes = lines.Skip(1).ToArray();
                Assert.True(hashes.Length >= 70, $"the probe printed {hashes.Length} results");
                baseline ??= hashes;
                Assert.Equal(baseline, hashes);
            }
            output.WriteLine($"{baseline!.Length} results (outputs, input and parameter gradients of 11 workloads, and the outputs of their InferenceOnly twins; and of the pooling-windows model; weights after 5 training steps of M1 and M2) identical in {runs.Length} runs");
        }
    }
}
