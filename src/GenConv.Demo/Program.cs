using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using GenConv;
using GenConv.Data;
using GenConv.Demo;
using GenConv.Training;
using Spectre.Console;

// Trains LeNet-5 (generated kernels) on Fashion-MNIST, evaluates it, and times the same model on the generic kernels.
var options = DemoOptions.Parse(args);
if (options is null) return 2;

string dataDir = options.DataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data");
ImageSet train = IdxReader.Load(Path.Combine(dataDir, "train-images-idx3-ubyte.gz"), Path.Combine(dataDir, "train-labels-idx1-ubyte.gz"));
ImageSet test = IdxReader.Load(Path.Combine(dataDir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dataDir, "t10k-labels-idx1-ubyte.gz"));
AnsiConsole.MarkupLine($"[bold]GenConv demo[/]: LeNet-5 ({LeNet5.ParameterCount:N0} parameters, {LeNet5.MacsPerSample:N0} MACs per image) on Fashion-MNIST");
AnsiConsole.MarkupLine($"data: {Markup.Escape(dataDir)} ({train.Count:N0} training, {test.Count:N0} test images); batch {options.Batch}, SGD lr {options.LearningRate} momentum 0.9, seed {options.Seed}");

var model = new LeNet5(maxBatch: options.Batch, seed: options.Seed);
var optimizer = new Sgd(LeNet5.ParameterCount, options.LearningRate, momentum: 0.9f);
var trainer = new Trainer(model, optimizer, train, options.Batch);
var results = new Table().Border(TableBorder.Rounded)
    .AddColumns("epoch", "train loss", "test accuracy", "time", "images/s");
double generatedImagesPerSecond = 0;
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var random = new SeededRandom((ulong)(options.Seed * 1000 + epoch));
    var watch = Stopwatch.StartNew();
    float loss = trainer.TrainEpoch(random);
    watch.Stop();
    double accuracy = Trainer.Accuracy(model, test, options.Batch);
    generatedImagesPerSecond = train.Count / watch.Elapsed.TotalSeconds;
    results.AddRow(epoch.ToString(CultureInfo.InvariantCulture), loss.ToString("F4", CultureInfo.InvariantCulture),
        accuracy.ToString("P2", CultureInfo.InvariantCulture), $"{watch.Elapsed.TotalSeconds:F1} s", generatedImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
    AnsiConsole.MarkupLine($"epoch {epoch}: loss {loss:F4}, test accuracy {accuracy:P2}, {watch.Elapsed.TotalSeconds:F1} s");
}
AnsiConsole.Write(results);

// The same training step on the generic kernels, same description and batch, for a side-by-side speed figure.
// (A rough wall-clock comparison for the demo; the benchmarks project measures kernels with BenchmarkDotNet.)
var speed = new Table().Border(TableBorder.Rounded).AddColumns("kernels", "training images/s", "generated is");
speed.AddRow("generated", generatedImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture), "—");
foreach (var (algorithm, batches) in new[] { (GenericAlgorithm.Im2Col, 40), (GenericAlgorithm.Naive, 8) })
{
    var generic = new GenericModel(LeNet5.Description, algorithm, options.Batch, options.Seed);
    double imagesPerSecond = new Trainer(generic, new Sgd(LeNet5.ParameterCount, options.LearningRate, momentum: 0.9f), train, options.Batch).MeasureImagesPerSecond(batches);
    speed.AddRow($"generic {algorithm.ToString().ToLowerInvariant()}", imagesPerSecond.ToString("N0", CultureInfo.InvariantCulture), $"{generatedImagesPerSecond / imagesPerSecond:F1}× faster");
}
AnsiConsole.Write(speed);
return 0;

/// <summary>Command-line options; every one has a default so the demo runs with no arguments.</summary>
internal sealed record DemoOptions(string? DataDirectory, int Epochs, int Batch, float LearningRate, int Seed)
{
    public static DemoOptions? Parse(string[] args)
    {
        var o = new DemoOptions(null, 8, 32, 0.03f, 1);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--data": o = o with { DataDirectory = Next() }; break;
                case "--epochs": o = o with { Epochs = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--batch": o = o with { Batch = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--lr": o = o with { LearningRate = float.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--seed": o = o with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}\nusage: GenConv.Demo [--data DIR] [--epochs N] [--batch N] [--lr X] [--seed N]");
                    return null;
            }
        }
        if (o.Epochs < 1 || o.Batch < 1 || !(o.LearningRate > 0))
        {
            Console.Error.WriteLine("--epochs and --batch must be at least 1 and --lr positive.");
            return null;
        }
        return o;
    }
}
