#!/usr/bin/env bash
# A Spark standalone cluster on 127.0.0.1 from the Maven-resolved Spark jars (no Spark distribution),
# as StandaloneClusterIT starts one (../shared/STACK.md section 8), for measurements by hand:
#
#   docs/bench/standalone-cluster.sh start N [CORES] [MEMORY]   a Master and N Workers (default 1 core, 2g)
#   bin/sparkcnn bench spark --master spark://127.0.0.1:7077 --total-executor-cores N --executor-cores 1 ...
#   docs/bench/standalone-cluster.sh stop                        stops them by their recorded PIDs
#
# Needs `mvn -B -q install -DskipTests` first (trainer/target/spark-classpath.txt). State and logs go to
# $SPARKCNN_CLUSTER_DIR (default /tmp/sparkcnn-cluster).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${SPARKCNN_CLUSTER_DIR:-/tmp/sparkcnn-cluster}"
CLASSPATH_FILE="$ROOT/trainer/target/spark-classpath.txt"
# The JVM options bin/sparkcnn gives Spark on Java 17, taken from it so that the two stay one list.
mapfile -t OPENS < <(grep -o -- '--add-[a-z]*=[^ )]*\|-XX:+IgnoreUnrecognizedVMOptions' "$ROOT/bin/sparkcnn" | sort -u)

wait_for() {  # file, pattern, seconds
  for _ in $(seq 1 "$3"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "standalone-cluster: '$2' did not appear in $1 within $3 s" >&2
  return 1
}

daemon() {  # name, main class, args...
  local name=$1 main=$2
  shift 2
  SPARK_HOME="$DIR/home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13 \
    nohup java -Xmx512m "${OPENS[@]}" -cp "$DIR/home/conf:$DIR/home/jars/*" "$main" "$@" >"$DIR/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
}

case "${1:-}" in
  start)
    workers=${2:?"usage: $0 start N [CORES] [MEMORY]"}
    cores=${3:-1}
    memory=${4:-2g}
    [ -f "$CLASSPATH_FILE" ] || { echo "standalone-cluster: $CLASSPATH_FILE is missing: run mvn -B -q install -DskipTests" >&2; exit 1; }
    if ls "$DIR"/*.pid >/dev/null 2>&1; then
      echo "standalone-cluster: $DIR has PID files of a running cluster: stop it first" >&2
      exit 1
    fi
    mkdir -p "$DIR/home/jars" "$DIR/home/conf"
    tr ':' '\n' <"$CLASSPATH_FILE" | grep '\.jar$' | while read -r jar; do
      ln -sf "$jar" "$DIR/home/jars/$(basename "$jar")"
    done
    daemon master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 18080
    wait_for "$DIR/master.log" "Starting Spark master" 60
    for w in $(seq 1 "$workers"); do
      mkdir -p "$DIR/work-$w"
      daemon "worker-$w" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$cores" --memory "$memory" \
        --webui-port $((18080 + w)) --work-dir "$DIR/work-$w" spark://127.0.0.1:7077
    done
    for w in $(seq 1 "$workers"); do
      wait_for "$DIR/worker-$w.log" "Successfully registered with master" 60
    done
    echo "standalone-cluster: master spark://127.0.0.1:7077 with $workers worker(s) of $cores core(s), $memory"
    ;;
  stop)
    for pidfile in "$DIR"/*.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 10); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
    done
    echo "standalone-cluster: stopped"
    ;;
  *)
    echo "usage: $0 start N [CORES] [MEMORY] | stop" >&2
    exit 2
    ;;
esac
