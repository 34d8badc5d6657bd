#!/usr/bin/env bash
# Issue 18's side-by-side round: for each model, `bench engine` then the PyTorch peer, one after the other,
# training and inference img/s and their ratio (docs/PERFORMANCE.md).
# Separate runs meet different spells of the VM; docs/bench/interleaved-vs-pytorch.py alternates both processes in
# short rounds instead, and its median of the rounds' ratios is what README's "Performance" reports since 2026-12-06.
#   docs/bench/engine-vs-pytorch.sh "lenet5 small tfconv resnet8 resnet20" [512|avx2|avx2-vex] [threads]
# 512: the JVM's and oneDNN's widest vectors; avx2: -XX:MaxVectorSize=32 for ours,
# ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 for PyTorch; avx2-vex: ours with -XX:UseAVX=2 instead (the
# JIT as on a CPU without AVX-512: VEX encodings, 16 vector registers; -XX:MaxVectorSize=32 on an AVX-512 CPU
# keeps 32). SPARKCNN_JAR=<jar> freezes the jar.
# WARMUP=<seconds> (default 20): our warm-up before the timed repetitions. resnet20 climbs for about 15 s
# (the JIT compiling the per-layer drivers, the kernel trials and their first retrial; docs/PERFORMANCE.md,
# "How long our JVM takes to settle"); rounds before 2026-12-05 13:30 UTC used 6.
# PAIRS=<n> (default 1): n pairs per model, ours then PyTorch's, alternating; with n > 1 a last line per
# model gives the median of our n runs over the median of theirs (either side's slow spells, which last
# seconds to minutes on these VMs, then move one run of n, not the ratio).
set -euo pipefail
cd "$(dirname "$0")/../.."
models=$1 width=${2:-512} threads=${3:-1} pairs=${PAIRS:-1}
for m in $models; do
  runs=()
  for ((i = 1; i <= pairs; i++)); do
    if [[ $width == avx2* ]]; then
      flag=-XX:MaxVectorSize=32
      [[ $width == avx2-vex ]] && flag=-XX:UseAVX=2
      ours=$(SPARKCNN_JAVA_OPTS=$flag bin/sparkcnn bench engine --model "$m" --batch 64 --threads "$threads" --warmup "${WARMUP:-20}" 2>&1 | grep '^JSON')
      theirs=$(ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 ../shared/peers/pytorch/throughput.py "$m" --threads "$threads" --batch 64 --dense conv 2>&1 | grep '^JSON')
    else
      ours=$(bin/sparkcnn bench engine --model "$m" --batch 64 --threads "$threads" --warmup "${WARMUP:-20}" 2>&1 | grep '^JSON')
      theirs=$(/usr/bin/python3 ../shared/peers/pytorch/throughput.py "$m" --threads "$threads" --batch 64 --dense conv 2>&1 | grep '^JSON')
    fi
    runs+=("$ours" "$theirs")
    python3 - "$ours" "$theirs" "$m $width, $threads thread(s)" <<'PY'
import json, sys, time
o, p = json.loads(sys.argv[1][5:]), json.loads(sys.argv[2][5:])
t, i = "train_img_s_median", "infer_img_s_median"
print("%s %s: train %.0f / %.0f (%.2f), infer %.0f / %.0f (%.2f)" % (time.strftime("%H:%M:%S"), sys.argv[3],
      o[t], p[t], o[t] / p[t], o[i], p[i], o[i] / p[i]), flush=True)
PY
  done
  if ((pairs > 1)); then
    python3 - "$m $width, $threads thread(s), $pairs pairs" "${runs[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(r[5:]) for r in sys.argv[2:]]
ours, theirs = runs[0::2], runs[1::2]
line = []
for key, name in (("train_img_s_median", "train"), ("infer_img_s_median", "infer")):
    o, p = statistics.median(r[key] for r in ours), statistics.median(r[key] for r in theirs)
    line.append("%s median %.0f / %.0f (%.2f)" % (name, o, p, o / p))
print("%s: %s" % (sys.argv[1], ", ".join(line)), flush=True)
PY
  fi
done
