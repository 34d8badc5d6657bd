"""PyTorch's time to a test accuracy on Fashion-MNIST, with a SparkCNN recipe.

Default: the recipe of `bin/sparkcnn train` on its embedded defaults: LeNet-5 (the peer's definition
and default initialisation), global mean/std normalization from the training set, batch 64
reshuffled every epoch, SGD lr 0.05 momentum 0.9 Nesterov, cosine annealing over 12 epochs down to
0.001 (stepped per epoch), test accuracy after every epoch. It stops at the first epoch whose test
accuracy reaches --target and prints the elapsed time: training alone, and with the evaluations,
as SparkCNN's "time to 88%" counts them.

    /usr/bin/python3 docs/bench/pytorch_time_to_accuracy.py --threads 2 --peers ../shared/peers/pytorch

`--recipe resnet8|resnet20` runs conf/fashion-mnist-resnet8.conf / -resnet20.conf instead: batch 128,
SGD lr 0.1 Nesterov, weight decay 5e-4 on conv and dense weights only, cosine to 0 over 15 / 30
epochs, random crop with 2 pixels of zero padding and horizontal flip (on the [0,1] pixels, before
normalization), and batch norm over ghost groups of 32 as SparkCNN's training.bn-group-size (each
batch's gradient is the sum over its groups of 32, each group's forward normalizing by its own
statistics, the running statistics updated group after group). `--bn-group 0` normalizes over the
whole batch instead (PyTorch's usual way). Without --target, all epochs run.

    /usr/bin/python3 docs/bench/pytorch_time_to_accuracy.py --recipe resnet20 --threads 2

`--optimizer lars --warmup-steps W` runs a large-batch variant of a recipe as SparkCNN's `training.optimizer
= {name = lars, ...}` and `warmup_steps = W` define them (docs/ENGINE.md): each tensor's gradient times its
trust ratio before SGD's Nesterov step, the lr times 1/3 + (2/3) * min(step, W) / W.

    /usr/bin/python3 docs/bench/pytorch_time_to_accuracy.py --batch 512 --lr 5 --optimizer lars --warmup-steps 234

The last line is `JSON {...}`.
"""
import argparse
import json
import math
import sys
import time


RECIPES = {
    "lenet5": dict(model="lenet5", target=0.88, epochs=12, batch=64, lr=0.05, eta_min=0.001, weight_decay=0.0,
                   no_decay_bias_and_norm=False, crop_padding=0, flip=False),
    "resnet8": dict(model="resnet8", epochs=15, batch=128, lr=0.1, eta_min=0.0, weight_decay=5e-4,
                    no_decay_bias_and_norm=True, crop_padding=2, flip=True),
    "resnet20": dict(model="resnet20", epochs=30, batch=128, lr=0.1, eta_min=0.0, weight_decay=5e-4,
                     no_decay_bias_and_norm=True, crop_padding=2, flip=True),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default="../shared/peers/pytorch", help="directory of the peer's models.py and data.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--recipe", default="lenet5", choices=sorted(RECIPES))
    ap.add_argument("--target", type=float, help="stop at the first epoch at this test accuracy (lenet5: 0.88)")
    ap.add_argument("--epochs", type=int, help="the schedule's length; training stops at the target")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--optimizer", default="sgd", choices=["sgd", "lars"],
                    help="lars: SparkCNN's (apex LARC, clip off, around this SGD): each tensor's gradient times "
                         "trust_coefficient * ||w|| / (||g|| + wd * ||w|| + eps)")
    ap.add_argument("--trust-coefficient", type=float, default=0.001)
    ap.add_argument("--warmup-steps", type=int, default=0,
                    help="SparkCNN's warmup_steps: the lr times 1/3 + (2/3) * min(step, W) / W, step counted from 0")
    ap.add_argument("--bn-group", type=int, default=32, help="examples per batch-norm group; 0 = the whole batch")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dense", default="conv", choices=["linear", "conv"], help="the peer's faster variant by default")
    args = ap.parse_args()
    for key, value in RECIPES[args.recipe].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)

    sys.path.insert(0, args.peers)
    import torch
    from data import load_fashion_mnist
    from models import build_model

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test, stats = load_fashion_mnist(normalize=False)
    mean, std = stats["mean"], stats["std"]
    augmenting = args.crop_padding > 0 or args.flip
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    x_test, y_test = (torch.from_numpy(x_test) - mean) / std, torch.from_numpy(y_test)
    if not augmenting:
        x_train = (x_train - mean) / std  # once, up front
    model = build_model(args.model, seed=args.seed, dense=args.dense)
    decay = [p for p in model.parameters() if p.dim() > 1]  # conv and dense weights
    rest = [p for p in model.parameters() if p.dim() <= 1]  # biases, batch-norm gamma and beta
    groups = [{"params": decay, "weight_decay": args.weight_decay},
              {"params": rest, "weight_decay": 0.0 if args.no_decay_bias_and_norm else args.weight_decay}]
    lars = args.optimizer == "lars"
    if lars:  # the decay goes into the trust-scaled gradient, not into SGD
        for g in groups:
            g["lars_weight_decay"], g["weight_decay"] = g["weight_decay"], 0.0
    opt = torch.optim.SGD(groups, lr=args.lr, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs, eta_min=args.eta_min)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    gen = torch.Generator().manual_seed(args.seed)
    has_bn = any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    group = args.bn_group if has_bn and args.bn_group > 0 else None

    def augment(x):
        """Random crop with zero padding, then a flip with probability 1/2, on [0,1] pixels."""
        n, c, h, w = x.shape
        p = args.crop_padding
        if p > 0:
            padded = torch.nn.functional.pad(x, (p, p, p, p))
            dy = torch.randint(0, 2 * p + 1, (n,), generator=gen)
            dx = torch.randint(0, 2 * p + 1, (n,), generator=gen)
            rows = (dy[:, None] + torch.arange(h))[:, None, :, None].expand(n, c, h, w)
            cols = (dx[:, None] + torch.arange(w))[:, None, None, :].expand(n, c, h, w)
            x = padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols]
        if args.flip:
            mirror = torch.rand(n, generator=gen) < 0.5
            x = torch.where(mirror[:, None, None, None], x.flip(3), x)
        return x

    def test_accuracy():
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(x_test), 250):
                correct += (model(x_test[i:i + 250]).argmax(1) == y_test[i:i + 250]).sum().item()
        model.train()
        return correct / len(x_test)

    train_s = 0.0
    steps = 0
    start = time.perf_counter()
    history = []
    reached = None
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(x_train), generator=gen)
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad(set_to_none=True)
            x = (augment(x_train[idx]) - mean) / std if augmenting else x_train[idx]
            y = y_train[idx]
            step = group or len(idx)
            for j in range(0, len(idx), step):  # the batch's gradient: the sum over its BN groups
                loss = loss_fn(model(x[j:j + step]), y[j:j + step]) / len(idx)
                loss.backward()
            if lars:
                with torch.no_grad():
                    for g in opt.param_groups:
                        wd = g["lars_weight_decay"]
                        for p in g["params"]:
                            w_norm, g_norm = p.norm().item(), p.grad.norm().item()
                            trust = (args.trust_coefficient * w_norm / (g_norm + wd * w_norm + 1e-8)
                                     if w_norm > 0 and g_norm > 0 else 1.0)
                            p.grad.add_(p, alpha=wd).mul_(trust)
            if args.warmup_steps > 0:
                factor = 1 / 3 + (2 / 3) * min(steps, args.warmup_steps) / args.warmup_steps
                for g in opt.param_groups:
                    g["lr"] = (args.eta_min + (args.lr - args.eta_min) * (1 + math.cos(math.pi * epoch / args.epochs)) / 2) * factor
            opt.step()
            steps += 1
        sched.step()
        train_s += time.perf_counter() - t0
        acc = test_accuracy()
        history.append(round(acc, 4))
        print("epoch %d: test accuracy %.4f, training %.1f s, elapsed %.1f s"
              % (epoch + 1, acc, train_s, time.perf_counter() - start), flush=True)
        if args.target is not None and acc >= args.target:
            reached = epoch + 1
            break
    elapsed = time.perf_counter() - start
    print("JSON " + json.dumps({
        "framework": "pytorch " + torch.__version__, "model": args.model, "recipe": args.recipe, "bn_group": group, "threads": args.threads, "batch": args.batch, "lr": args.lr,
        "optimizer": args.optimizer, "warmup_steps": args.warmup_steps,
        "target": args.target, "epochs_to_target": reached, "test_accuracy_per_epoch": history,
        "train_seconds": round(train_s, 1), "seconds_with_evaluation": round(elapsed, 1),
        "train_img_s": round(len(x_train) * len(history) / train_s) if train_s > 0 else None,
    }))
    return 0 if reached or args.target is None else 1


if __name__ == "__main__":
    sys.exit(main())
