"""PyTorch's time to a test accuracy on Fashion-MNIST, with the main job's recipe.

The recipe of `bin/sparkcnn train` on its embedded defaults: LeNet-5 (the peer's definition and
default initialisation), global mean/std normalization from the training set, batch 64 reshuffled
every epoch, SGD lr 0.05 momentum 0.9 Nesterov, cosine annealing over 12 epochs down to 0.001
(stepped per epoch), test accuracy after every epoch. It stops at the first epoch whose test
accuracy reaches --target and prints the elapsed time: training alone, and with the evaluations,
as SparkCNN's "time to 88%" counts them.

    /usr/bin/python3 docs/bench/pytorch_time_to_accuracy.py --threads 2 --peers ../shared/peers/pytorch

The last line is `JSON {...}`.
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default="../shared/peers/pytorch", help="directory of the peer's models.py and data.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--target", type=float, default=0.88)
    ap.add_argument("--epochs", type=int, default=12, help="the schedule's length; training stops at the target")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dense", default="conv", choices=["linear", "conv"], help="the peer's faster variant by default")
    args = ap.parse_args()

    sys.path.insert(0, args.peers)
    import torch
    from data import load_fashion_mnist
    from models import build_model

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test, _ = load_fashion_mnist(normalize=True)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    x_test, y_test = torch.from_numpy(x_test), torch.from_numpy(y_test)
    model = build_model("lenet5", seed=args.seed, dense=args.dense)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs, eta_min=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)

    def test_accuracy():
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(x_test), 1000):
                correct += (model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
        model.train()
        return correct / len(x_test)

    train_s = 0.0
    start = time.perf_counter()
    history = []
    reached = None
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(x_train), generator=gen)
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        sched.step()
        train_s += time.perf_counter() - t0
        acc = test_accuracy()
        history.append(round(acc, 4))
        print("epoch %d: test accuracy %.4f, training %.1f s, elapsed %.1f s"
              % (epoch + 1, acc, train_s, time.perf_counter() - start), flush=True)
        if acc >= args.target:
            reached = epoch + 1
            break
    elapsed = time.perf_counter() - start
    print("JSON " + json.dumps({
        "framework": "pytorch " + torch.__version__, "model": "lenet5", "threads": args.threads, "batch": args.batch,
        "target": args.target, "epochs_to_target": reached, "test_accuracy_per_epoch": history,
        "train_seconds": round(train_s, 1), "seconds_with_evaluation": round(elapsed, 1),
        "train_img_s": round(len(x_train) * len(history) / train_s) if train_s > 0 else None,
    }))
    return 0 if reached else 1


if __name__ == "__main__":
    sys.exit(main())
