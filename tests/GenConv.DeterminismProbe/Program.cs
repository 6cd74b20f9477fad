using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using GenConv;
using GenConv.Data;
using GenConv.Model;
using GenConv.Training;
using GenConv.Workloads;

// Usage: GenConv.DeterminismProbe [threads]. Prints "# ..." (the SIMD paths this process has), then "<what> <sha256>"
// lines for the forward output, input gradient and parameter gradients of every workload, and for the weights after
// a few training steps of both models. DeterminismTests runs it under several DOTNET_Enable* settings and thread counts.
int threads = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1;
Console.WriteLine($"# Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, " +
                  $"Vector128 {Vector128.IsHardwareAccelerated}, Vector<float> {Vector.IsHardwareAccelerated} x{Vector<float>.Count}, threads {threads}");

WorkerTeam.MinimumParallelWork = 0; // every region on the team, however small, so that every split is compared
const int batch = 5; // odd, so two threads split it unevenly
foreach (Workload workload in WorkloadRegistry.All)
{
    IGenConvModel model = workload.Create(Variant.Generated, batch, seed: 3);
    Random(model.Parameters.Length, 7).CopyTo(model.Parameters);
    PrintPasses(workload.Id, model);
}
// The InferenceOnly twins' forward, which the forward benchmarks run (L5's reads its rows in place on AVX-512).
foreach (Workload workload in WorkloadRegistry.All)
{
    IGenConvModel model = Randomized(workload.Create(Variant.Generated, batch, seed: 3, inferenceOnly: true));
    model.Threads = threads;
    float[] x = Random(batch * model.InputLength, 11), y = new float[batch * model.OutputLength];
    model.Forward(x, y);
    Print($"{workload.Id}Inference.output", y);
}
// Kernels no reference workload has (CoverageModels.cs).
PrintPasses(nameof(PoolingWindows), new PoolingWindows(batch));
PrintPasses(nameof(L4Winograd), Randomized(new L4Winograd(batch)));
PrintPasses(nameof(M2Winograd), Randomized(new M2Winograd(batch)));

foreach (var (id, model) in new (string, IGenConvModel)[]
         {
             ("M1", WorkloadRegistry.Get("M1").Create(Variant.Generated, 8, seed: 5)),
             ("M2", WorkloadRegistry.Get("M2").Create(Variant.Generated, 8, seed: 5)),
             (nameof(M2Winograd), new M2Winograd(8, seed: 5)),
         })
{
    model.Threads = threads;
    TensorShape input = model.Description.Input; // ImageSet is single-channel; channels ride along in the width
    var labels = new int[40];
    var random = new SeededRandom(17);
    for (int i = 0; i < labels.Length; i++) labels[i] = random.NextInt(model.OutputLength);
    var data = new ImageSet(Random(labels.Length * model.InputLength, 19), labels, input.Height, input.Width * input.Channels);
    IOptimizer optimizer = id == "M1" ? new Sgd(model.Parameters.Length, 0.05f, momentum: 0.9f) : new Adam(model.Parameters.Length, 1e-3f);
    var trainer = new Trainer(model, optimizer, data, 8);
    trainer.TrainEpoch(new SeededRandom(23));
    Print($"{id}.weights-after-5-steps", model.Parameters);
}
return 0;

static IGenConvModel Randomized(IGenConvModel model)
{
    Random(model.Parameters.Length, 7).CopyTo(model.Parameters);
    return model;
}

// One forward and backward of a batch: the output, input gradient and parameter gradients; then Infer's output.
void PrintPasses(string name, IGenConvModel model)
{
    model.Threads = threads;
    float[] x = Random(batch * model.InputLength, 11), dy = Random(batch * model.OutputLength, 13);
    float[] y = new float[dy.Length], dx = new float[x.Length];
    model.Forward(x, y);
    model.Backward(dy, dx);
    Print($"{name}.output", y);
    Print($"{name}.input-gradient", dx);
    Print($"{name}.parameter-gradient", model.Gradients);
    float[] inferred = new float[y.Length];
    model.Infer(x, inferred); // inference alone: L5's reads its rows in place on AVX-512
    Print($"{name}.inferred-output", inferred);
}

static float[] Random(int length, int seed)
{
    var random = new SeededRandom((ulong)seed);
    var values = new float[length];
    for (int i = 0; i < values.Length; i++) values[i] = random.NextFloat(-1f, 1f);
    return values;
}

static void Print(string what, ReadOnlySpan<float> values) =>
    Console.WriteLine($"{what} {Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(values)))}");
