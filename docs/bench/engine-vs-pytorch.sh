#!/usr/bin/env bash
# Issue 18's side-by-side round: for each model, `bench engine` then the PyTorch peer, one after the other,
# training and inference img/s and their ratio (docs/PERFORMANCE.md).
#   docs/bench/engine-vs-pytorch.sh "lenet5 small tfconv resnet8 resnet20" [512|avx2] [threads]
# 512: the JVM's and oneDNN's widest vectors; avx2: -XX:MaxVectorSize=32 for ours,
# ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 for PyTorch. SPARKCNN_JAR=<jar> freezes the jar.
# WARMUP=<seconds> (default 20): our warm-up before the timed repetitions. resnet20 climbs for about 15 s
# (the JIT compiling the per-layer drivers, the kernel trials and their first retrial; docs/PERFORMANCE.md,
# "How long our JVM takes to settle"); rounds before 2026-12-05 13:30 UTC used 6.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=$1 width=${2:-512} threads=${3:-1}
for m in $models; do
  if [[ $width == avx2 ]]; then
    ours=$(SPARKCNN_JAVA_OPTS=-XX:MaxVectorSize=32 bin/sparkcnn bench engine --model "$m" --batch 64 --threads "$threads" --warmup "${WARMUP:-20}" 2>&1 | grep '^JSON')
    theirs=$(ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 ../shared/peers/pytorch/throughput.py "$m" --threads "$threads" --batch 64 --dense conv 2>&1 | grep '^JSON')
  else
    ours=$(bin/sparkcnn bench engine --model "$m" --batch 64 --threads "$threads" --warmup "${WARMUP:-20}" 2>&1 | grep '^JSON')
    theirs=$(/usr/bin/python3 ../shared/peers/pytorch/throughput.py "$m" --threads "$threads" --batch 64 --dense conv 2>&1 | grep '^JSON')
  fi
  python3 - "$ours" "$theirs" "$m $width, $threads thread(s)" <<'PY'
import json, sys, time
o, p = json.loads(sys.argv[1][5:]), json.loads(sys.argv[2][5:])
t, i = "train_img_s_median", "infer_img_s_median"
print("%s %s: train %.0f / %.0f (%.2f), infer %.0f / %.0f (%.2f)" % (time.strftime("%H:%M:%S"), sys.argv[3],
      o[t], p[t], o[t] / p[t], o[i], p[i], o[i] / p[i]), flush=True)
PY
done
