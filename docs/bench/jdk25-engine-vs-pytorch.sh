#!/usr/bin/env bash
# Issue 18: engine img/s on JDK 25 and JDK 17 against the PyTorch peer, native width and as AVX2 (docs/PERFORMANCE.md).
cd "$(dirname "$0")/../.."
P=../shared/peers/pytorch/throughput.py
J25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
J17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
# export SPARKCNN_JAR=/tmp/x.jar  # a frozen jar, so that a rebuild cannot change a long run
for m in lenet5 small tfconv resnet8 resnet20; do
  echo "== $m 512"
  JAVA=$J25 bin/sparkcnn bench engine --model $m --batch 64 --threads 1 --warmup 8 2>&1 | grep '^JSON' | sed 's/^/J25 /'
  JAVA=$J17 bin/sparkcnn bench engine --model $m --batch 64 --threads 1 --warmup 8 2>&1 | grep '^JSON' | sed 's/^/J17 /'
  /usr/bin/python3 $P $m --threads 1 --batch 64 --dense conv 2>&1 | grep '^JSON' | sed 's/^/PT /'
  echo "== $m 256"
  JAVA=$J25 SPARKCNN_JAVA_OPTS=-XX:MaxVectorSize=32 bin/sparkcnn bench engine --model $m --batch 64 --threads 1 --warmup 8 2>&1 | grep '^JSON' | sed 's/^/J25 /'
  ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 $P $m --threads 1 --batch 64 --dense conv 2>&1 | grep '^JSON' | sed 's/^/PT /'
done
echo END
