"""docs/SCALING.md's step model: constants fitted from docs/bench/scaling-constants.sh's runs, the
model checked against the runs it did not fit, and the projection to large clusters.

    /usr/bin/python3 docs/bench/scaling-model.py /tmp/scaling.txt

A step is  T = T_ship + T_task + T_collect + T_update + T_fixed  (docs/SCALING.md). From the batch-2
runs of three MLPs of 12,730 to 3,256,330 parameters (almost no compute), each setup and mode gets
lines in the parameter count P (`fit`):
  ship     = s0 + s * P                 (`broadcast_ms`: the broadcast, or the loop's socket writes)
  task     = k0 + k * P                 (`slowest_task_ms` at batch 2: conversion, packing); with a
                                         real batch, plus compute from `bench engine`, below
  outside  = f0 + w * R                 (`step_ms - broadcast - slowest task - update`: Spark's job or
                                         the loop's round trip, then the results' transfer, unpacking
                                         and adding, in R bytes of packed sums: `result_bytes_per_task`
                                         times the tasks holding examples)
  update   = u * P                      (`update_ms`)
compute is the slowest executor's examples at the engine's rate on that executor's cores: 1 thread,
or 2 threads (`bench engine --threads 1|2` at the same model and batch), times the expected excess
of the most loaded executor (only with several executors: ghost groups and chunks cannot split).
"""
import json
import math
import sys

SETUPS = {"local": (1, 2), "e1c2": (1, 2), "e2c1": (2, 1)}  # executors, cores per executor
# At batch 2 over 2 partitions (the bench's 4 blocks, 2 per partition) both examples share a partition
# half the time: a step has 1.5 tasks with examples on average, so per-task slopes are the fit's / 1.5.
RESULTS_AT_BATCH_2 = 1.5


def load(path):
    runs = {}
    for line in open(path):
        if not line.startswith("RUN "):
            continue
        _, setup, mode, model, batch, rest = line.split(" ", 5)
        if not rest.strip():
            continue
        runs[(setup, mode, model, int(batch))] = json.loads(rest)
    return runs


def fit(xs, ys):
    """The line through the smallest and the largest point: the intercept is the small model's cost,
    which a least-squares line dominated by the large models gets wrong by more than itself."""
    (x0, y0), (x1, y1) = min(zip(xs, ys)), max(zip(xs, ys))
    slope = (y1 - y0) / (x1 - x0)
    return y0 - slope * x0, slope


def per_example_ms(runs, model, batch, threads):
    return 1000.0 / runs[("engine", "threads%d" % threads, model, batch)]["train_img_s_median"]


def excess(model, batch, executors):
    """Expected load of the most loaded executor over an even split, for the bench's data (4 blocks of
    1,024 examples, the blocks dealt round-robin): batch-norm ghost groups of 32 stay whole; other
    models' examples split by block (binomial)."""
    if executors == 1:
        return 1.0
    if model.startswith("resnet"):
        groups = batch // 32  # each group lies in one block: in one executor's half with p = 1/2
        exp_max = sum(max(k, groups - k) * math.comb(groups, k) for k in range(groups + 1)) / 2 ** groups
        return exp_max / (groups / 2)
    exp_max = sum(max(k, batch - k) * math.comb(batch, k) for k in range(batch + 1)) / 2 ** batch
    return exp_max / (batch / 2)


def result_bytes(runs, setup, model, batch):
    """Packed bytes of one task's sum: measured by the job-per-step run (the loop ships the same sums)."""
    r = runs.get((setup, "job", model, batch))
    return r["step_job"]["result_bytes_per_task"] if r and isinstance(r.get("step_job"), dict) else None


def outside_ms(r):
    return r["step_ms"] - r["broadcast_ms"] - r["slowest_task_ms"] - r["update_ms"]


def constants(runs):
    out = {}
    for setup in SETUPS:
        for mode in ("job", "loop"):
            pts = [(model, r) for (s, m, model, b), r in runs.items()
                   if s == setup and m == mode and b == 2 and model.startswith("mlp")]
            if len(pts) < 2:
                continue
            ps = [r["parameters"] for _, r in pts]
            results = [RESULTS_AT_BATCH_2 * result_bytes(runs, setup, model, 2) for model, _ in pts]
            out[(setup, mode)] = dict(
                ship=fit(ps, [r["broadcast_ms"] for _, r in pts]),
                task=fit(ps, [r["slowest_task_ms"] for _, r in pts]),
                outside=fit(results, [outside_ms(r) for _, r in pts]),
                update=fit(ps, [r["update_ms"] for _, r in pts]))
    return out


def per_task_ms(runs, mode):
    """Spark's (or the loop's) cost of one more task: lenet5 at batch 16 over 4 partitions against 1."""
    one, four = runs.get(("tasks1", mode, "lenet5", 16)), runs.get(("tasks4", mode, "lenet5", 16))
    if one is None or four is None:
        return 0.0
    outside = lambda r: r["step_ms"] - r["slowest_task_ms"]
    return (outside(four) - outside(one)) / 3


def predict(c, runs, setup, mode, model, batch, params):
    """Predicted (step, its slowest task) in ms; a real batch puts examples in both partitions."""
    executors, cores = SETUPS[setup]
    compute = (batch / executors) * per_example_ms(runs, model, batch, cores) * excess(model, batch, executors)
    line = lambda t, x: t[0] + t[1] * x
    task = line(c["task"], params) + compute
    results = 2 * result_bytes(runs, setup, model, batch)
    # the loop's driver writes a copy per task holding examples: the fit saw 1.5 of them, this step 2
    ship = line(c["ship"], params * (2 / RESULTS_AT_BATCH_2 if mode == "loop" else 1))
    return ship + task + line(c["outside"], results) + c["update"][1] * params, task


def main():
    runs = load(sys.argv[1])
    consts = constants(runs)
    print("## constants")
    print("| setup | mode | ship: ms + ns per parameter | task at batch 2: ms + ns per parameter "
          "| outside the tasks: ms + ns per result byte | update: ns per parameter |")
    print("|---|---|---|---|---|---|")
    for (setup, mode), c in consts.items():
        cell = lambda t: "%.2f + %.2f" % (t[0], t[1] * 1e6)
        print("| %s | %s | %s | %s | %s | %.2f |" % (setup, mode, cell(c["ship"]), cell(c["task"]), cell(c["outside"]),
                                                    c["update"][1] * 1e6))
    for mode in ("job", "loop"):
        print("\neach further task (%s): %.3f ms" % (mode, per_task_ms(runs, mode)))
    print()
    print("## the model against the runs with compute (not used in the fit)")
    print("| setup | mode | model | batch | step ms measured | predicted | error | slowest task measured | predicted |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for (setup, mode, model, batch), r in sorted(runs.items()):
        if batch == 2 or (setup, mode) not in consts:
            continue
        pred, task = predict(consts[(setup, mode)], runs, setup, mode, model, batch, r["parameters"])
        err = pred / r["step_ms"] - 1
        worst = max(worst, abs(err))
        print("| %s | %s | %s | %d | %.1f | %.1f | %+.0f%% | %.1f | %.1f |" % (
            setup, mode, model, batch, r["step_ms"], pred, 100 * err, r["slowest_task_ms"], task))
    print("\nworst error: %.0f%%" % (100 * worst))
    project(runs, consts)


def project(runs, consts):
    """E executors of 16 cores, one task each, at 10 and 25 Gbit/s (see docs/SCALING.md). Constants
    from the 2-executor cluster; each executor's share of the batch is 8 times local[2]'s per-core
    share; the engine's efficiency on 16 cores is taken to be its measured efficiency on 2."""
    job, loop = consts.get(("e2c1", "job")), consts.get(("e2c1", "loop"))
    if job is None or loop is None:
        return
    models = {"lenet5": (61706, 64), "resnet20": (272186, 128), "tfconv": (3274634, 64)}
    print("\n## projection (not measured): executors of 16 cores, one task each")
    print("| model | Gbit/s | executors | mode | global batch | step ms | img/s | efficiency | global batch for 90% |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model, (params, batch0) in models.items():
        t1 = per_example_ms(runs, model, batch0, 1)
        eta = t1 / per_example_ms(runs, model, batch0, 2) / 2
        q = result_bytes(runs, "e2c1", model, batch0)  # one task's packed sum
        for gbit in (10, 25):
            bw = gbit * 1e9 / 8 / 1e3  # bytes per ms
            for executors in (8, 32, 128):
                for mode, c in (("job", job), ("loop", loop)):
                    def step(batch):
                        compute = (batch / executors) * t1 / (16 * eta)
                        wire = 4 * params / bw
                        per_result = q / bw + c["outside"][1] * q
                        if mode == "job":  # torrent broadcast: the copies double each round
                            ship = c["ship"][0] + c["ship"][1] * params + math.ceil(math.log2(executors + 1)) * wire
                            fanin = math.ceil(math.sqrt(executors))
                            collect = min(executors * per_result,  # one level, or treeAggregate's second level
                                          2 * fanin * per_result + c["outside"][0])
                        else:  # the driver writes every task's copy and reads every sum
                            ship = c["ship"][0] + executors * (c["ship"][1] / RESULTS_AT_BATCH_2 * params + wire)
                            collect = executors * per_result
                        task = c["task"][0] + c["task"][1] * params + compute
                        fixed = c["outside"][0] + per_task_ms(runs, mode) * (executors - RESULTS_AT_BATCH_2)
                        return ship + task + collect + fixed + c["update"][1] * params

                    def efficiency(batch):
                        return (batch / step(batch)) / (executors * 16 * eta / t1)

                    batch = batch0 * 8 * executors
                    need = batch0
                    while efficiency(need) < 0.9 and need < 1 << 30:
                        need *= 2
                    print("| %s | %d | %d | %s | %d | %.1f | %.0f | %.0f%% | %s |" % (
                        model, gbit, executors, mode, batch, step(batch), 1000 * batch / step(batch),
                        100 * efficiency(batch), "{:,}".format(need) if need < 1 << 30 else "none"))


if __name__ == "__main__":
    main()
