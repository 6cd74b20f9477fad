using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using GenConv;
using GenConv.Data;
using GenConv.Demo;
using GenConv.Training;
using GenConv.Weights;
using Spectre.Console;

// Trains LeNet-5 (generated kernels) on Fashion-MNIST, evaluates it, and times the same model on the generic kernels.
DemoOptions? options = DemoOptions.Parse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(DemoOptions.Usage);
    return 2;
}

try
{
    return Demo.Run(options);
}
catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(exception.Message)}");
    return 1;
}

namespace GenConv.Demo
{
    internal static class Demo
    {
        private static readonly string[] ClassNames = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

        public static int Run(DemoOptions options)
        {
            string dataDir = options.DataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data");
            ImageSet test = Load(dataDir, "t10k");
            var model = new LeNet5(maxBatch: options.Batch, seed: options.Seed) { Threads = options.Threads };
            AnsiConsole.MarkupLine($"[bold]GenConv demo[/]: LeNet-5 ({LeNet5.ParameterCount:N0} parameters, {LeNet5.MacsPerSample:N0} MACs per image), generated kernels");
            if (options.LoadPath is not null)
            {
                SafeTensors.Load(model, options.LoadPath);
                AnsiConsole.MarkupLine($"loaded weights from {Markup.Escape(options.LoadPath)}");
            }

            if (!options.EvaluateOnly)
            {
                // Ctrl+C stops training between two batches; with --checkpoint the run is saved and resumes where it stopped.
                using var cancellation = new CancellationTokenSource();
                ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancellation.Cancel(); };
                Console.CancelKeyPress += onCancel;
                try
                {
                    if (!Train(options, model, Load(dataDir, "train"), test, dataDir, cancellation.Token)) return 130;
                }
                finally
                {
                    Console.CancelKeyPress -= onCancel;
                }
            }
            else
                AnsiConsole.MarkupLine($"test accuracy: [bold]{Trainer.Accuracy(model, test, options.Batch):P2}[/] on {test.Count:N0} images");

            if (options.SavePath is not null)
            {
                SafeTensors.Save(model, options.SavePath);
                AnsiConsole.MarkupLine($"saved weights to {Markup.Escape(options.SavePath)} (safetensors, PyTorch state_dict names)");
            }
            if (options.PredictIndex is int index)
                Predict(model, test, index);
            return 0;
        }

        private static ImageSet Load(string dataDir, string prefix) =>
            IdxReader.Load(Path.Combine(dataDir, prefix + "-images-idx3-ubyte.gz"), Path.Combine(dataDir, prefix + "-labels-idx1-ubyte.gz"));

        /// <summary>Trains and compares speeds; returns false if cancelled (after saving the checkpoint, if one was asked for).</summary>
        private static bool Train(DemoOptions options, LeNet5 model, ImageSet train, ImageSet test, string dataDir, CancellationToken cancellationToken)
        {
            AnsiConsole.MarkupLine($"data: {Markup.Escape(dataDir)} ({train.Count:N0} training, {test.Count:N0} test images); " +
                                   $"batch {options.Batch}, SGD lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)} ({options.Schedule}) momentum 0.9, {options.Epochs} epochs, seed {options.Seed}, " +
                                   $"{options.Threads} thread{(options.Threads == 1 ? "" : "s")}");
            var optimizer = new Sgd(LeNet5.ParameterCount, options.LearningRate, momentum: 0.9f);
            var trainer = new Trainer(model, optimizer, train, options.Batch);
            LearningRateSchedule schedule = options.Schedule switch
            {
                "constant" => LearningRateSchedule.Constant(options.LearningRate),
                "step" => LearningRateSchedule.Step(options.LearningRate, Math.Max(1, options.Epochs / 3)),
                _ => LearningRateSchedule.Cosine(options.LearningRate, options.Epochs),
            };
            if (options.CheckpointPath is { } checkpoint && File.Exists(checkpoint))
            {
                trainer.LoadCheckpoint(checkpoint);
                AnsiConsole.MarkupLine($"resuming from {Markup.Escape(checkpoint)}: epoch {trainer.Epoch + 1}, sample {trainer.Position:N0}");
            }
            bool cancelled = false;
            var results = new Table().Border(TableBorder.Rounded).AddColumns("epoch", "train loss", "test accuracy", "time", "images/s");
            AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(progress =>
                {
                    for (int epoch = trainer.Epoch + 1; epoch <= options.Epochs; epoch++)
                    {
                        ProgressTask task = progress.AddTask($"epoch {epoch}/{options.Epochs}", maxValue: train.Count);
                        if (trainer.Position == 0) optimizer.LearningRate = schedule.At(epoch - 1); // a resumed epoch keeps its rate
                        int resumedAt = trainer.Position;
                        var watch = Stopwatch.StartNew();
                        float loss;
                        try
                        {
                            loss = trainer.TrainEpoch(new SeededRandom((ulong)(options.Seed * 1000 + epoch)), done => task.Value = done, cancellationToken);
                        }
                        catch (OperationCanceledException)
                        {
                            cancelled = true;
                            break;
                        }
                        finally
                        {
                            if (options.CheckpointPath is not null) trainer.SaveCheckpoint(options.CheckpointPath);
                        }
                        watch.Stop();
                        task.StopTask();
                        double accuracy = Trainer.Accuracy(model, test, options.Batch);
                        double imagesPerSecond = (train.Count - resumedAt) / watch.Elapsed.TotalSeconds;
                        results.AddRow(epoch.ToString(CultureInfo.InvariantCulture), loss.ToString("F4", CultureInfo.InvariantCulture),
                            accuracy.ToString("P2", CultureInfo.InvariantCulture), $"{watch.Elapsed.TotalSeconds:F1} s", imagesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
                        if (!AnsiConsole.Profile.Capabilities.Interactive)
                            Console.WriteLine($"epoch {epoch}: loss {loss:F4}, test accuracy {accuracy:P2}, {watch.Elapsed.TotalSeconds:F1} s");
                    }
                });
            AnsiConsole.Write(results);
            if (cancelled)
            {
                AnsiConsole.MarkupLine(options.CheckpointPath is null
                    ? "[yellow]cancelled[/] (use --checkpoint FILE to keep and resume such runs)"
                    : $"[yellow]cancelled[/] in epoch {trainer.Epoch + 1} at sample {trainer.Position:N0}; run again with --checkpoint {Markup.Escape(options.CheckpointPath)} to resume");
                return false;
            }

            // Training speed of fresh copies of the model on generated and on generic kernels (same layers, batch and
            // optimizer), measured the same way for all: a wall-clock figure for the demo; the benchmarks project
            // measures kernels with BenchmarkDotNet. Generic kernels run on one thread, so they are compared with one.
            var speed = new Table().Border(TableBorder.Rounded).AddColumns("kernels", "training images/s", "comparison");
            double generatedSpeed = Speed(new LeNet5(options.Batch, options.Seed), 200);
            speed.AddRow("generated, 1 thread", generatedSpeed.ToString("N0", CultureInfo.InvariantCulture), "—");
            if (options.Threads > 1)
            {
                double threadedSpeed = Speed(new LeNet5(options.Batch, options.Seed) { Threads = options.Threads }, 200);
                speed.AddRow($"generated, {options.Threads} threads", threadedSpeed.ToString("N0", CultureInfo.InvariantCulture),
                    $"{threadedSpeed / generatedSpeed:F2}× the 1-thread speed, same bits");
            }
            foreach (var (algorithm, batches) in new[] { (GenericAlgorithm.Im2Col, 40), (GenericAlgorithm.Naive, 8) })
            {
                double genericSpeed = Speed(new GenericModel(LeNet5.Description, algorithm, options.Batch, options.Seed), batches);
                speed.AddRow($"generic {algorithm.ToString().ToLowerInvariant()}, 1 thread", genericSpeed.ToString("N0", CultureInfo.InvariantCulture), $"generated (1 thread) is {generatedSpeed / genericSpeed:F1}× faster");
            }
            double Speed(IGenConvModel fresh, int batches) =>
                new Trainer(fresh, new Sgd(LeNet5.ParameterCount, options.LearningRate, momentum: 0.9f), train, options.Batch).MeasureImagesPerSecond(batches);
            AnsiConsole.Write(speed);
            return true;
        }

        private static void Predict(LeNet5 model, ImageSet test, int index)
        {
            if ((uint)index >= (uint)test.Count)
                throw new InvalidOperationException($"--predict {index}: the test set has images 0 to {test.Count - 1}.");
            var logits = new float[LeNet5.OutputLength];
            model.Infer(test.Images.AsSpan(index * test.ImageLength, test.ImageLength), logits);
            float max = float.NegativeInfinity;
            foreach (float v in logits) max = MathF.Max(max, v);
            double sum = 0;
            foreach (float v in logits) sum += Math.Exp(v - max);
            var table = new Table().Border(TableBorder.Rounded).AddColumns("class", "probability");
            int best = 0;
            for (int c = 0; c < logits.Length; c++)
            {
                if (logits[c] > logits[best]) best = c;
                table.AddRow(ClassNames[c], (Math.Exp(logits[c] - max) / sum).ToString("P1", CultureInfo.InvariantCulture));
            }
            AnsiConsole.MarkupLine($"test image {index}: predicted [bold]{ClassNames[best]}[/], label {ClassNames[test.Labels[index]]}");
            AnsiConsole.Write(table);
        }
    }

    /// <summary>Command-line options; every one has a default so the demo runs with no arguments.</summary>
    internal sealed record DemoOptions(string? DataDirectory, int Epochs, int Batch, float LearningRate, int Seed,
        string? SavePath, string? LoadPath, bool EvaluateOnly, int? PredictIndex, string Schedule, string? CheckpointPath, int Threads)
    {
        public const string Usage =
            "usage: GenConv.Demo [--data DIR] [--epochs N] [--batch N] [--lr X] [--seed N] [--schedule S] [--save FILE] [--load FILE] [--evaluate] [--predict INDEX] [--checkpoint FILE] [--threads N]\n" +
            "  --data DIR      directory with the four Fashion-MNIST/MNIST IDX files (gzip or raw); default: the embedded subset\n" +
            "  --epochs N      training epochs (8)        --batch N   batch size (32)\n" +
            "  --lr X          SGD learning rate, momentum 0.9 (0.05)   --seed N   initialization and shuffling seed (1)\n" +
            "  --schedule S    learning-rate schedule per epoch: cosine (default), step (×0.1 every third of the run) or constant\n" +
            "  --save FILE     write the weights as safetensors (PyTorch state_dict names) after training\n" +
            "  --load FILE     start from weights in a safetensors file\n" +
            "  --evaluate      only evaluate (usually with --load)\n" +
            "  --predict INDEX classify one test image and show the class probabilities\n" +
            "  --checkpoint F  after every epoch and on Ctrl+C save the run to F; if F exists, resume from it\n" +
            "  --threads N     threads the generated model trains on (1); every count gives the same bits";

        public static DemoOptions? Parse(string[] args, out string? error)
        {
            var o = new DemoOptions(null, 8, 32, 0.05f, 1, null, null, false, null, "cosine", null, 1);
            error = null;
            try
            {
                for (int i = 0; i < args.Length; i++)
                {
                    string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
                    int Int() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
                    o = args[i] switch
                    {
                        "--data" => o with { DataDirectory = Next() },
                        "--epochs" => o with { Epochs = Int() },
                        "--batch" => o with { Batch = Int() },
                        "--lr" => o with { LearningRate = float.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture) },
                        "--seed" => o with { Seed = Int() },
                        "--save" => o with { SavePath = Next() },
                        "--load" => o with { LoadPath = Next() },
                        "--evaluate" => o with { EvaluateOnly = true },
                        "--checkpoint" => o with { CheckpointPath = Next() },
                        "--predict" => o with { PredictIndex = Int() },
                        "--threads" => o with { Threads = Int() },
                        "--schedule" => o with { Schedule = Next() is var v && v is "cosine" or "step" or "constant" ? v : throw new FormatException("--schedule takes cosine, step or constant.") },
                        "--help" or "-h" => throw new FormatException("GenConv demo: train LeNet-5 on Fashion-MNIST with generated kernels."),
                        _ => throw new FormatException($"unknown option {args[i]}"),
                    };
                }
            }
            catch (FormatException exception)
            {
                error = exception.Message;
                return null;
            }
            if (o.Epochs < 1 || o.Batch < 1 || o.Threads < 1 || !(o.LearningRate > 0) || float.IsInfinity(o.LearningRate))
            {
                error = "--epochs, --batch and --threads must be at least 1 and --lr positive and finite.";
                return null;
            }
            return o;
        }
    }
}
