using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
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
                string[] lines = RunProbe(setting, threads);
                string paths = lines[0];
                output.WriteLine($"{(setting.Length == 0 ? "default" : setting)}, {threads} thread(s): {paths}");
                // The setting must really have changed the paths (hardware without AVX2 would make this test vacuous).
                Assert.Contains(expectedPaths, paths);
                string[] hashes = lines.Skip(1).ToArray();
                Assert.True(hashes.Length >= 35, $"the probe printed {hashes.Length} results");
                baseline ??= hashes;
                Assert.Equal(baseline, hashes);
            }
            output.WriteLine($"{baseline!.Length} results (outputs, input and parameter gradients of 11 workloads; weights after 5 training steps of M1 and M2) identical in {runs.Length} runs");
        }

        private static string[] RunProbe(string setting, int threads)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GenConv.DeterminismProbe.dll"));
            start.ArgumentList.Add(threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (string name in new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic" })
                start.Environment.Remove(name);
            if (setting.Length > 0)
            {
                string[] pair = setting.Split('=');
                start.Environment[pair[0]] = pair[1];
            }
            using Process process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(120_000)) process.Kill();
            Assert.True(process.ExitCode == 0, $"probe ({setting}, {threads} threads) failed with {process.ExitCode}: {stderr}");
            return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
    }
}
