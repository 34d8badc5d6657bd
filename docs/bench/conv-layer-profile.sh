#!/usr/bin/env bash
# What share of a "same" 3x3 convolution's time its products' tiles take: docs/bench/ConvLayerBench.java
# under JFR for resnet20's three stages (16x28x28, 32x14x14, 64x7x7), forward and backward, each sample
# counted at its innermost engine frame (the Vector API's own frames are inlined into the kernels).
#   mvn -B -q install -DskipTests && docs/bench/conv-layer-profile.sh [extra JVM options, e.g. -XX:MaxVectorSize=32]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA_BIN="$(dirname "$(command -v "${JAVA:-java}")")"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
for shape in "16 28" "32 14" "64 7"; do
  for pass in f b; do
    "$JAVA_BIN/java" --add-modules jdk.incubator.vector "$@" -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
      -XX:StartFlightRecording=filename="$OUT/p.jfr",settings=profile -cp "$ROOT/engine/target/classes" \
      "$ROOT/docs/bench/ConvLayerBench.java" $shape $pass 3 2>/dev/null | tail -1
    "$JAVA_BIN/jfr" print --events jdk.ExecutionSample "$OUT/p.jfr" | python3 -c '
import collections, sys
counts, inside, found = collections.Counter(), False, False
for line in sys.stdin:
    line = line.strip()
    if line.startswith("stackTrace = ["):
        inside, found = True, False
    elif inside and line.startswith("]"):
        inside = False
    elif inside and not found and line and line != "..." and not line.startswith(("jdk.", "java.")):
        counts[line.split("(")[0].replace("org.sparkcnn.engine.ops.", "")] += 1
        found = True
total = sum(counts.values())
print("    " + ", ".join("%s %.0f%%" % (k, 100.0 * v / total) for k, v in counts.most_common(6)))'
  done
done
