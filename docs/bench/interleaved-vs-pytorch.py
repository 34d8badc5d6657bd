"""Issue 18's side-by-side rounds, interleaved: ours and PyTorch's steps alternate in short rounds.

Both processes start, warm up and wait (`sparkcnn bench engine --rounds-from-stdin` and
docs/bench/pytorch_rounds.py, the peer's model, data and steps); then each round runs one repetition
(--seconds) of ours and one of theirs, training then inference, the side that goes first alternating
from round to round. The machine's slow and fast spells last 10-20 s or more (docs/PERFORMANCE.md), longer
than a round; but each vCPU has spells of its own, and a side whose thread sits on the other vCPU meets other
ones: --pin CPU puts both processes on one CPU after their warm-up (our JIT's and GC's threads then share it
with our step). Prints each round's rates and ratio and the CPUs each side's threads ran on (each thread's
ticks in the round, on the CPU it was last on), then per model and kind the median of ours, of theirs, their ratio and
the spread of the rounds' ratios (the median of the rounds' ratios is the figure to read), and a line of
JSON per model.

    /usr/bin/python3 docs/bench/interleaved-vs-pytorch.py "lenet5 small tfconv resnet8 resnet20" [--width 512|avx2|avx2-vex]
        [--threads 1] [--rounds 15] [--seconds 1.5] [--warmup 20] [--pin CPU]

Widths as docs/bench/engine-vs-pytorch.sh: avx2 is -XX:MaxVectorSize=32 for ours, avx2-vex -XX:UseAVX=2;
either with ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 for PyTorch. SPARKCNN_JAR=<jar> freezes our jar;
SPARKCNN_JAVA_OPTS are kept, the width's option added (-Dsparkcnn.traceChoices=true logs the tuner's decisions).
"""
import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class Side:
    """One process serving rounds over its standard input and output; its standard error in a log file."""

    def __init__(self, name, argv, env, log):
        self.name, self.log = name, log
        with open(log, "w") as err:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, text=True, bufsize=1)
        try:
            self.expect("READY")
        except BaseException:
            self.kill()
            raise

    def expect(self, prefix):
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return line.split()
        with open(self.log) as err:
            tail = "".join(err.readlines()[-15:])
        raise RuntimeError(f"{self.name} ended before printing {prefix} (exit code {self.proc.wait()}); "
                           f"the end of {self.log}:\n{tail}")

    def round(self, what):
        """This side's rate in one repetition of `what`; `self.cpus`: which CPUs its threads ran on meanwhile."""
        before = self.ticks()
        self.proc.stdin.write(what + "\n")
        rate = float(self.expect("ROUND " + what)[2])
        used = {}
        for tid, (ticks, cpu) in self.ticks().items():
            used[cpu] = used.get(cpu, 0) + ticks - before.get(tid, (0, cpu))[0]
        used = {c: t for c, t in used.items() if t > 0}
        total = sum(used.values())
        self.cpus = "/".join(f"cpu{c}" if len(used) == 1 else f"cpu{c} {100 * t // total}%" for c, t in sorted(used.items()))
        return rate

    def ticks(self):
        """Per thread: CPU ticks used so far and the CPU it last ran on (/proc/<pid>/task/<tid>/stat; Linux only)."""
        got = {}
        try:
            tids = os.listdir(f"/proc/{self.proc.pid}/task")
        except OSError:
            return got
        for tid in tids:
            try:
                with open(f"/proc/{self.proc.pid}/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            got[tid] = (int(fields[11]) + int(fields[12]), int(fields[36]))  # utime + stime, processor
        return got

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):  # already ended, or hung
            self.kill()
        except BaseException:
            self.kill()
            raise

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models")
    ap.add_argument("--width", choices=["512", "avx2", "avx2-vex"], default="512")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--warmup", type=float, default=20, help="our warm-up seconds, of training and of inference each")
    ap.add_argument("--pin", type=int, metavar="CPU", help="after both sides' warm-up, every thread of both processes on "
                    "this CPU (taskset), so that both meet its same spells (1 thread only)")
    args = ap.parse_args()
    if args.pin is not None and args.threads != 1:
        ap.error("--pin takes one CPU: --threads 1 only")

    ours_env, theirs_env = dict(os.environ), dict(os.environ)
    if args.width != "512":
        width = "-XX:UseAVX=2" if args.width == "avx2-vex" else "-XX:MaxVectorSize=32"
        ours_env["SPARKCNN_JAVA_OPTS"] = (ours_env.get("SPARKCNN_JAVA_OPTS", "") + " " + width).strip()
        theirs_env.update(ONEDNN_MAX_CPU_ISA="AVX2", ATEN_CPU_CAPABILITY="avx2")
    logs = tempfile.mkdtemp(prefix="interleaved-")
    print(f"standard error of each process in {logs}", flush=True)
    results = []
    for model in args.models.split():
        with contextlib.ExitStack() as sides:
            ours = Side("sparkcnn", [os.path.join(ROOT, "bin", "sparkcnn"), "bench", "engine", "--model", model, "--batch",
                                     "64", "--threads", str(args.threads), "--warmup", str(args.warmup), "--seconds",
                                     str(args.seconds), "--rounds-from-stdin"], ours_env, os.path.join(logs, model + "-sparkcnn.log"))
            sides.callback(ours.close)
            theirs = Side("pytorch", ["/usr/bin/python3", os.path.join(ROOT, "docs", "bench", "pytorch_rounds.py"), model,
                                      "--threads", str(args.threads), "--batch", "64", "--rep-seconds", str(args.seconds)],
                          theirs_env, os.path.join(logs, model + "-pytorch.log"))
            sides.callback(theirs.close)
            if args.pin is not None:
                for side in (ours, theirs):
                    subprocess.run(["taskset", "-a", "-p", "-c", str(args.pin), str(side.proc.pid)], check=True,
                                   stdout=subprocess.DEVNULL)
            rates = {"train": ([], []), "infer": ([], [])}
            for r in range(args.rounds):
                for what in ("train", "infer"):
                    pair = (ours, theirs) if r % 2 == 0 else (theirs, ours)
                    got = {side.name: side.round(what) for side in pair}
                    rates[what][0].append(got["sparkcnn"])
                    rates[what][1].append(got["pytorch"])
                    print(f"{time.strftime('%H:%M:%S')} {model} {args.width} {args.threads}t round {r + 1} {what}: "
                          f"{got['sparkcnn']:.0f} / {got['pytorch']:.0f} ({got['sparkcnn'] / got['pytorch']:.2f}) "
                          f"on {ours.cpus or '?'} / {theirs.cpus or '?'}", flush=True)
        rows = []
        for what, (o, p) in rates.items():
            ratios = sorted(a / b for a, b in zip(o, p))
            row = {"model": model, "width": args.width, "threads": args.threads, "kind": what, "rounds": len(o),
                   "ours_median": statistics.median(o), "theirs_median": statistics.median(p),
                   "ratio_of_medians": statistics.median(o) / statistics.median(p),
                   "round_ratio_median": statistics.median(ratios), "round_ratio_min": ratios[0],
                   "round_ratio_max": ratios[-1]}
            rows.append(row)
            print(f"{model} {args.width}, {args.threads} thread(s), {what}, {len(o)} rounds: ours {row['ours_median']:.0f}, "
                  f"theirs {row['theirs_median']:.0f} img/s (medians), ratio {row['ratio_of_medians']:.2f}; "
                  f"rounds' ratios {ratios[0]:.2f}-{ratios[-1]:.2f}, median {row['round_ratio_median']:.2f}", flush=True)
        print("JSON " + json.dumps(rows), flush=True)


if __name__ == "__main__":
    sys.exit(main())
