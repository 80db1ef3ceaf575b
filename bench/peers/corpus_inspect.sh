#!/bin/bash
# Issue #15's benchmark: `nnviz inspect MODEL` (default formats: svg, png, html) on every model of the
# real-model corpus, each a fresh JVM as a user runs it, RUNS times (default 5, after one warm-up).
# Prints the medians of nnviz's own --timings (load, describe, render) and of the whole run's wall time,
# and, as the peer measured in the same session, `nnviz --version` (the JVM's and picocli's start-up):
# "after JVM start" is a run's wall time less that peer's median.
# Needs: bash corpus/fetch.sh; mvn -B verify (the backends' corpus tests write the TensorFlow
# SavedModels, frozen graphs and DL4J zips under backend-*/target/corpus); cli/target/nnviz.jar.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-5}
jar=cli/target/nnviz.jar
c="${NNVIZ_CORPUS:-$HOME/.cache/nnviz/corpus}"
models=(
  "$c/onnx/all-minilm-l6-v2.onnx" "$c/onnx/silero_vad_legacy.onnx" "$c/onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx"
  "$c/onnx/ch_PP-OCRv4_det_infer.onnx" "$c/keras/esrgan-slim-x2.h5" "$c/keras/esrgan-slim-x4.h5"
  backend-dl4j/target/corpus/esrgan-slim-x2.zip backend-dl4j/target/corpus/esrgan-slim-x4.zip
  "$c/torchscript/antispoof.pt" "$c/torchscript/liveness.pt" "$c/torchscript/resnet18.pt" "$c/torchscript/regnet_x_400mf.pt"
  backend-tensorflow/target/corpus/emotion/saved_model backend-tensorflow/target/corpus/blazeface/saved_model
  backend-tensorflow/target/corpus/antispoof/antispoof.pb backend-tensorflow/target/corpus/liveness/liveness.pb
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

java -jar "$jar" --version > /dev/null
for i in $(seq "$runs"); do t=$(date +%s%N); java -jar "$jar" --version > /dev/null; ms "$t"; done > "$work/jvm"
jvm=$(median < "$work/jvm")
echo "peer: nnviz --version (JVM start-up), median of $runs: $jvm ms"
printf '%-34s %7s %8s %9s %8s %8s %10s\n' model layers "load" describe render wall "after JVM"
for m in "${models[@]}"; do
  if [ ! -e "$m" ]; then echo "$m: missing (see the header)"; continue; fi
  java -jar "$jar" inspect "$m" --out "$work/out" -q --timings > /dev/null 2>&1 || { echo "$m: inspect failed"; continue; }
  : > "$work/t"; : > "$work/w"
  for i in $(seq "$runs"); do
    rm -rf "$work/out"
    t=$(date +%s%N)
    java -jar "$jar" inspect "$m" --out "$work/out" -q --timings 2>> "$work/t" > /dev/null
    ms "$t" >> "$work/w"
  done
  field() { grep -o "$1 [0-9]* ms" "$work/t" | awk '{print $2}' | median; }
  layers=$(grep -o '[0-9]* layers' "$work/t" | head -1 | awk '{print $1}')
  wall=$(median < "$work/w")
  name=$(basename "$m"); [ "$name" = saved_model ] && name="$(basename "$(dirname "$m")")/saved_model"
  printf '%-34s %7s %6s ms %6s ms %5s ms %5s ms %7s ms\n' "$name" "$layers" "$(field load)" "$(field describe)" \
    "$(field render)" "$wall" "$((wall - jvm))"
done
