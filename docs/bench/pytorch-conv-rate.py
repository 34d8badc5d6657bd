"""PyTorch's own speed on resnet20's three 3x3 "same" layer shapes, batch 64, one thread: which aten
operator runs them, and GFLOP/s forward and backward (dX and dW: twice the forward's multiply-adds), the
fastest of 30 calls each. Beside docs/bench/ConvLayerBench.java, which times ours on the same shapes.

    /usr/bin/python3 docs/bench/pytorch-conv-rate.py
    (ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 for an AVX2 machine's kernels)
"""
import time

import torch

torch.set_num_threads(1)
for c, hw in [(16, 28), (32, 14), (64, 7)]:
    conv = torch.nn.Conv2d(c, c, 3, padding=1, bias=False)
    x = torch.randn(64, c, hw, hw, requires_grad=True)
    for _ in range(5):
        conv(x).sum().backward()
    with torch.autograd.profiler.profile() as prof:
        conv(x)
    ops = sorted({e.name for e in prof.function_events if "conv" in e.name})
    fwd = bwd = float("inf")
    for _ in range(30):
        t0 = time.perf_counter()
        y = conv(x)
        t1 = time.perf_counter()
        y.backward(torch.ones_like(y))
        t2 = time.perf_counter()
        fwd, bwd = min(fwd, t1 - t0), min(bwd, t2 - t1)
    mac = 64 * c * c * 9 * hw * hw
    print("%d channels, %dx%d: %s; forward %.3f ms (%.0f GFLOP/s), backward %.3f ms (%.0f GFLOP/s)"
          % (c, hw, hw, ", ".join(ops), fwd * 1e3, 2 * mac / fwd / 1e9, bwd * 1e3, 4 * mac / bwd / 1e9))
