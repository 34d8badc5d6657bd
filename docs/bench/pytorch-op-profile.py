"""Where a PyTorch training step of a peer model spends its time, per operator and input shape.

Ten steps of batch 64 (random inputs, SGD with momentum, as the peer's throughput script trains) under
torch.autograd.profiler, after ten unprofiled ones; 1 thread. The profiler slows the step (resnet20 on
2026-12-04: 190 ms a step profiled, 143 ms in throughput.py next to it), so compare shares and ratios
between operators, not absolute times with `bench engine --profile`.

    /usr/bin/python3 docs/bench/pytorch-op-profile.py resnet20
    (AVX2: ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 docs/bench/pytorch-op-profile.py resnet20)
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peers", "pytorch"))
from models import build_model  # noqa: E402

torch.set_num_threads(1)
model = build_model(sys.argv[1], seed=0, dense="conv")
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
x = torch.randn(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))


def step():
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    opt.step()


for _ in range(10):
    step()
with torch.autograd.profiler.profile(record_shapes=True) as prof:
    for _ in range(10):
        step()
print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=25))
