using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using GenConv.Model;
using GenConv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// The way outside users get GenConv: <c>dotnet pack</c> makes one package with the runtime and the generator; a fresh
    /// project outside the solution references it from a local folder, declares a model, builds and runs it. Two clean
    /// builds of that project in different directories produce byte-identical assemblies.
    /// </summary>
    public sealed class PackageTests : IDisposable
    {
        private readonly ITestOutputHelper output;
        private readonly string directory = Directory.CreateTempSubdirectory("genconv-package-").FullName;

        public PackageTests(ITestOutputHelper output) => this.output = output;

        public void Dispose() => Directory.Delete(directory, recursive: true);

        private const string ConsumerProgram = """
            using System;
            using System.Globalization;
            using GenConv;

            var model = new Tiny(maxBatch: 1);
            for (int i = 0; i < model.Parameters.Length; i++) model.Parameters[i] = (i % 7 - 3) * 0.05f;
            var input = new float[Tiny.InputLength];
            for (int i = 0; i < input.Length; i++) input[i] = (i % 5) * 0.25f;
            var output = new float[Tiny.OutputLength];
            model.Forward(input, output);
            Console.WriteLine(string.Join(" ", Array.ConvertAll(output, v => v.ToString("R", CultureInfo.InvariantCulture))));
            var baked = new TinyBaked(maxBatch: 1); // weights from tiny.safetensors, baked in at build time
            var bakedOutput = new float[Tiny.OutputLength];
            baked.Forward(input, bakedOutput);
            Console.WriteLine(output.AsSpan().SequenceEqual(bakedOutput) ? "baked weights: same output" : "baked weights: DIFFERENT output");

            [GenConvModel(1, 6, 6, Weights = "tiny.safetensors", InferenceOnly = true)]
            [Conv2D(2, 3)]
            [ReLU]
            [Dense(3)]
            public partial class TinyBaked { }

            [GenConvModel(1, 6, 6)]
            [Conv2D(2, 3)]
            [ReLU]
            [Dense(3)]
            public partial class Tiny { }
            """;

        private static GenericModel TinyGeneric() =>
            new(new TensorShape(1, 6, 6), new[] { LayerSpec.Conv2D(2, 3), LayerSpec.Activation(LayerKind.ReLU), LayerSpec.Dense(3) }, GenericAlgorithm.Naive);

        private static float[] TinyParameters() => Enumerable.Range(0, TinyGeneric().Description.ParameterCount).Select(i => (i % 7 - 3) * 0.05f).ToArray();

        [Fact]
        public void PackedPackageBuildsAndRunsInAFreshProjectReproducibly()
        {
            string feed = Path.Combine(directory, "feed");
            Dotnet.Run(Dotnet.RepositoryRoot, new[] { "pack", "src/GenConv/GenConv.csproj", "-c", Dotnet.Configuration, "--no-build", "-o", feed });
            string package = Assert.Single(Directory.GetFiles(feed, "GenConv.*.nupkg"));
            using (ZipArchive zip = ZipFile.OpenRead(package))
            {
                string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
                Assert.Contains("lib/net10.0/GenConv.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/GenConv.Generator.dll", entries);
                Assert.Contains("README.md", entries);
                string nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open()).ReadToEnd();
                Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
                Assert.Contains("<readme>README.md</readme>", nuspec);
            }

            string[] builds = { Path.Combine(directory, "first", "Consumer"), Path.Combine(directory, "second", "elsewhere", "Consumer") };
            var environment = ("NUGET_PACKAGES", Path.Combine(directory, "packages")); // never a stale GenConv from the user's cache
            foreach (string project in builds)
            {
                Directory.CreateDirectory(project);
                File.WriteAllText(Path.Combine(project, "nuget.config"),
                    $"<configuration><packageSources><clear /><add key=\"local\" value=\"{feed}\" /></packageSources></configuration>");
                File.WriteAllText(Path.Combine(project, "Consumer.csproj"), """
                    <Project Sdk="Microsoft.NET.Sdk">
                      <PropertyGroup>
                        <OutputType>Exe</OutputType>
                        <TargetFramework>net10.0</TargetFramework>
                        <Nullable>enable</Nullable>
                        <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                        <Deterministic>true</Deterministic>
                        <!-- Reproducible wherever it is built: source paths are recorded relative to the project. -->
                        <PathMap>$(MSBuildProjectDirectory)=/_/</PathMap>
                      </PropertyGroup>
                      <ItemGroup>
                        <PackageReference Include="GenConv" Version="0.1.0" />
                        <GenConvWeights Include="tiny.safetensors" />
                      </ItemGroup>
                    </Project>
                    """);
                File.WriteAllText(Path.Combine(project, "Program.cs"), ConsumerProgram);
                File.WriteAllBytes(Path.Combine(project, "tiny.safetensors"), Weights.SafeTensors.Serialize(TinyGeneric().Description, TinyParameters()));
                Dotnet.Run(project, new[] { "build", "-c", "Release" }, environment);
            }

            string[] hashes = builds.Select(b => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(b, "bin", "Release", "net10.0", "Consumer.dll"))))).ToArray();
            output.WriteLine($"Consumer.dll from two directories: {hashes[0]} and {hashes[1]}");
            Assert.Equal(hashes[0], hashes[1]);

            string[] printedLines = Dotnet.Run(builds[0], new[] { "bin/Release/net10.0/Consumer.dll" }).Trim().Split('\n');
            Assert.Equal("baked weights: same output", printedLines[1].Trim());
            string printed = printedLines[0].Trim();
            float[] actual = printed.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            GenericModel generic = TinyGeneric();
            TinyParameters().CopyTo(generic.Parameters);
            float[] input = Enumerable.Range(0, 36).Select(i => (i % 5) * 0.25f).ToArray(), expected = new float[3];
            generic.Forward(input, expected);
            output.WriteLine($"consumer printed {printed}; generic naive gives {string.Join(" ", expected.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
        }
    }
}
