"""PyTorch eager figures for the reference workloads, on this machine, to set beside the BenchmarkDotNet table.

Same cases as benchmarks/GenConv.Benchmarks: each layer forward at batch 1 and forward + backward (dX, dW, dB) at
batch 32; each model inference at batch 1 and one training step (forward, softmax cross-entropy, backward, SGD
momentum update) at batch 32. One thread, medians of 7 repetitions, plus a 512-bit-free FMA-peak estimate is not
attempted here: compare against the FMA peak of the BenchmarkDotNet run made just before or after.

Install (Debian): apt-get install python3-torch libopenblas0-pthread
Run:              python3 benchmarks/pytorch/peers.py
"""
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)

LAYERS = {  # id: (in channels, height, width, module, forward MFLOP per sample from reference-workloads.md)
    "L1": ((1, 28, 28), lambda: nn.Conv2d(1, 6, 5, 1, 2), 0.235),
    "L2": ((6, 14, 14), lambda: nn.Conv2d(6, 16, 5, 1, 0), 0.480),
    "L3": ((3, 32, 32), lambda: nn.Conv2d(3, 32, 3, 1, 1), 1.77),
    "L4": ((32, 32, 32), lambda: nn.Conv2d(32, 32, 3, 1, 1), 18.9),
    "L5": ((16, 32, 32), lambda: nn.Conv2d(16, 32, 3, 2, 1), 2.36),
    "L6": ((32, 32, 32), lambda: nn.MaxPool2d(2, 2), None),
    "L7": ((32, 32, 32), lambda: nn.AvgPool2d(2, 2), None),
    "L8": ((400,), lambda: nn.Linear(400, 120), 0.096),
    "L9": ((4096,), lambda: nn.Linear(4096, 10), 0.082),
}


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def small_vgg():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4096, 10))


MODELS = {"M1": ((1, 28, 28), lenet5, 0.83), "M2": ((3, 32, 32), small_vgg, 30.0)}


def median_seconds(step, minimum_seconds=0.2):
    for _ in range(3):
        step()
    reps = 1
    while True:  # enough repetitions per sample to last minimum_seconds / 7
        start = time.perf_counter()
        for _ in range(reps):
            step()
        if time.perf_counter() - start > minimum_seconds / 7:
            break
        reps *= 2
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(reps):
            step()
        samples.append((time.perf_counter() - start) / reps)
    return statistics.median(samples)


def report(case, seconds, mflop):
    rate = f"{mflop / seconds / 1e3:8.1f} GFLOP/s" if mflop else ""
    print(f"{case:32s} {seconds * 1e6:12.1f} us {rate}")


def main():
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread, oneDNN {torch.backends.mkldnn.is_available()}")
    for name, (shape, make, mflop) in LAYERS.items():
        layer = make()
        x1 = torch.randn(1, *shape)
        x32 = torch.randn(32, *shape, requires_grad=True)
        dy32 = torch.randn_like(layer(x32))
        with torch.no_grad():
            report(f"{name} forward batch 1", median_seconds(lambda: layer(x1)), mflop)

        def train():
            layer.zero_grad(set_to_none=True)
            x32.grad = None
            layer(x32).backward(dy32)
        report(f"{name} train step batch 32", median_seconds(train), mflop and 3 * 32 * mflop)
    for name, (shape, make, mflop) in MODELS.items():
        model = make()
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
        x1 = torch.randn(1, *shape)
        x32 = torch.randn(32, *shape)
        labels = torch.randint(0, 10, (32,))
        with torch.no_grad():
            report(f"{name} inference batch 1", median_seconds(lambda: model(x1)), mflop)

        def step():
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x32), labels).backward()
            optimizer.step()
        report(f"{name} train step batch 32", median_seconds(step), 3 * 32 * mflop)


if __name__ == "__main__":
    main()
