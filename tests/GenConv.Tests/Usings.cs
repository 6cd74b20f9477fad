// LeNet-5 is the reference workload M1 (src/GenConv.Workloads), shared with the benchmarks rather than declared again.
global using LeNet5 = GenConv.Workloads.M1;
