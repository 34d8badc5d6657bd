"""The PyTorch peer's training and inference steps, served one repetition at a time.

The same model, data, batches and steps as ../shared/peers/pytorch/throughput.py (its model and data
modules imported, its steps written out again):
warm-up, then READY, then one repetition of about --rep-seconds for each line of standard input,
'train' or 'infer', printed as 'ROUND train|infer <img/s>', until 'quit' or the input's end.
docs/bench/interleaved-vs-pytorch.py alternates these rounds with `sparkcnn bench engine --rounds-from-stdin`.

    /usr/bin/python3 docs/bench/pytorch_rounds.py resnet20 --threads 1 --batch 64
"""
import argparse
import os
import sys
import time

PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peers", "pytorch")
sys.path.insert(0, PEER)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from data import load_fashion_mnist  # noqa: E402
from models import MODEL_NAMES, build_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=MODEL_NAMES)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=10, help="warm-up steps of each kind (throughput.py's default)")
    ap.add_argument("--rep-seconds", type=float, default=1.5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    model = build_model(args.model, seed=args.seed, dense="conv")
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    g = torch.Generator().manual_seed(args.seed + 1)
    xtr, ytr, _, _, _ = load_fashion_mnist(normalize=True)
    xtr, ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    perm = torch.randperm(xtr.shape[0], generator=g)
    nb = xtr.shape[0] // args.batch
    batches = [(xtr[perm[i * args.batch:(i + 1) * args.batch]].contiguous(),
                ytr[perm[i * args.batch:(i + 1) * args.batch]].contiguous()) for i in range(nb)]
    cursor = [0, 0]  # training's and inference's places in the batches

    def train_step():
        x, y = batches[cursor[0] % nb]
        cursor[0] += 1
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    def infer_step():
        x, _ = batches[cursor[1] % nb]
        cursor[1] += 1
        with torch.no_grad():
            model(x)

    def repetition(step):
        t0, steps = time.perf_counter(), 0
        while True:
            step()
            steps += 1
            t = time.perf_counter()
            if t - t0 >= args.rep_seconds:
                return steps * args.batch / (t - t0)

    model.train()
    for _ in range(args.warmup):
        train_step()
    model.eval()
    for _ in range(args.warmup):
        infer_step()
    print(f"torch {torch.__version__} threads={torch.get_num_threads()} model={args.model} dense=conv batch={args.batch}")
    print("READY", flush=True)
    for line in sys.stdin:
        what = line.strip()
        if what == "quit":
            break
        if what not in ("train", "infer"):
            sys.exit(f"pytorch_rounds.py: expected a line 'train', 'infer' or 'quit', got '{what}'")
        model.train(what == "train")
        print(f"ROUND {what} {repetition(train_step if what == 'train' else infer_step):.1f}", flush=True)


if __name__ == "__main__":
    main()
