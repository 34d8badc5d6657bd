#!/usr/bin/env bash
# The runs behind docs/SCALING.md's constants: `bench spark` with a job per step and with the step
# loop, in local[2] and on a standalone cluster of 1 executor x 2 cores and 2 executors x 1 core
# (docs/bench/standalone-cluster.sh), for
#   - batch 2 with three MLPs (flatten, dense H, relu, dense 10; H = 16, 1270, 4096: 12,730 /
#     1,009,660 / 3,256,330 parameters and almost no compute): the fixed cost and the slopes in P;
#   - lenet5 and tfconv at batch 64, resnet20 at batch 128: the runs the model must reproduce;
#   - lenet5 at batch 16 over 1 and 4 partitions in local[4] ("tasks"): the cost of each task.
# and `bench engine` on 1 and 2 threads (t1 and eta(2)) for the same models and batches.
# Prints one line per run: "RUN <setup> <mode> <model> <batch> <the bench's JSON>".
#
#   docs/bench/scaling-constants.sh > /tmp/scaling.txt      (about 35 minutes; nothing else running)
#
# Needs `mvn -B -q install -DskipTests` first. SETUPS and MODELS narrow the runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CLUSTER="$ROOT/docs/bench/standalone-cluster.sh"
SETUPS=${SETUPS:-"engine tasks local e1c2 e2c1"}
MODELS_DIR=$(mktemp -d)
for h in 16 1270 4096; do
  cat >"$MODELS_DIR/mlp$h.json" <<EOF
{"format": "sparkcnn-model/1", "name": "mlp$h", "input": [1, 28, 28], "layers": [{"type": "flatten"},
 {"type": "dense", "name": "fc1", "out_features": $h}, {"type": "relu"}, {"type": "dense", "name": "fc2", "out_features": 10}],
 "loss": {"type": "softmax_cross_entropy"}}
EOF
done
MODELS=${MODELS:-"$MODELS_DIR/mlp16.json $MODELS_DIR/mlp1270.json $MODELS_DIR/mlp4096.json"}

bench() {  # setup, mode, model, batch, extra options...
  local setup=$1 mode=$2 model=$3 batch=$4
  shift 4
  local loop=()
  [ "$mode" = loop ] && loop=(--step-loop)
  local json
  if json=$("$ROOT/bin/sparkcnn" bench spark "$@" --model "$model" --batch "$batch" "${loop[@]}" 2>&1 | grep '^JSON ' | cut -c6-); then
    echo "RUN $setup $mode $(basename "$model" .json) $batch $json"
  else
    echo "scaling-constants: bench spark failed: $setup $mode $model $batch $*" >&2
  fi
}

runs() {  # setup, master options...
  local setup=$1
  shift
  for mode in job loop; do
    for model in $MODELS; do
      bench "$setup" "$mode" "$model" 2 "$@" --steps 100 --warmup 30 --warmup-seconds 20
    done
    bench "$setup" "$mode" lenet5 64 "$@" --steps 200 --warmup 30 --warmup-seconds 20
    bench "$setup" "$mode" tfconv 64 "$@" --steps 60 --warmup 10 --warmup-seconds 20
    bench "$setup" "$mode" resnet20 128 "$@" --steps 30 --warmup 10 --warmup-seconds 20
  done
}

trap '"$CLUSTER" stop >/dev/null 2>&1 || true; rm -rf "$MODELS_DIR"' EXIT
for setup in $SETUPS; do
  case $setup in
    engine)
      for t in 1 2; do
        for mb in lenet5:64 resnet20:128 tfconv:64; do
          if json=$("$ROOT/bin/sparkcnn" bench engine --model "${mb%:*}" --batch "${mb#*:}" --threads $t --warmup 8 2>&1 \
            | grep '^JSON ' | cut -c6- | python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("tiles",None); print(json.dumps(j))'); then
            echo "RUN engine threads$t ${mb%:*} ${mb#*:} $json"
          else
            echo "scaling-constants: bench engine failed: ${mb%:*} ${mb#*:} threads $t" >&2
          fi
        done
      done ;;
    tasks)
      for mode in job loop; do
        for parts in 1 4; do
          bench "tasks$parts" "$mode" lenet5 16 --master 'local[4]' --partitions $parts --steps 200 --warmup 30 --warmup-seconds 20
        done
      done ;;
    local) runs local --master 'local[2]' ;;
    e1c2)
      "$CLUSTER" start 1 2 3g >&2
      runs e1c2 --master spark://127.0.0.1:7077 --total-executor-cores 2 --executor-cores 2 --executor-memory 2g
      "$CLUSTER" stop >&2 ;;
    e2c1)
      "$CLUSTER" start 2 1 3g >&2
      runs e2c1 --master spark://127.0.0.1:7077 --total-executor-cores 2 --executor-cores 1 --executor-memory 2g
      "$CLUSTER" stop >&2 ;;
    *) echo "scaling-constants: unknown setup $setup (engine, tasks, local, e1c2, e2c1)" >&2; exit 2 ;;
  esac
done
