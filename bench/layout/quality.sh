#!/usr/bin/env bash
# The layout-quality harness (issue 30): lays out the architecture diagram of every model file under the given folders
# (default: the corpus's model folders) with `nnviz inspect --layout-quality` at the default depth, and prints one row per
# model: boxes, frames, edges, the share of edges pointing down, crossings per edge, group purity, width/height, labels cut
# to fit, the title; then the wall time and peak RSS of the whole inspect run (JVM start-up included).
#   bash bench/layout/quality.sh [FOLDER...]      (needs `mvn install` first: it runs cli/target/nnviz.jar)
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
jar="$here/cli/target/nnviz.jar"
corpus="${NNVIZ_CORPUS:-$HOME/.cache/nnviz/corpus}"
[ $# -gt 0 ] || set -- "$corpus"/onnx "$corpus"/keras "$corpus"/torchscript "$corpus"/checkpoints "$corpus"/checkpoints-legacy "$corpus"/safetensors "$corpus"/tflite "$corpus"/gguf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
header=0
for dir in "$@"; do
  [ -d "$dir" ] || continue
  for f in "$dir"/*; do
    case "$f" in *.json|*.npy|*.txt) continue ;; esac
    [ -f "$f" ] || continue
    /usr/bin/time -f "%e %M" -o "$tmp/time" java -jar "$jar" inspect "$f" --out "$tmp/out" --format svg --layout-quality --quiet \
      >"$tmp/stdout" 2>"$tmp/stderr"
    code=$?
    read -r secs kb <"$tmp/time" || true
    row=$(grep '^layout: ' "$tmp/stdout" | sed -n 2p | sed 's/^layout: //')
    if [ $header = 0 ] && [ -n "$row" ]; then
      printf '%s %8s %8s\n' "$(grep '^layout: ' "$tmp/stdout" | head -1 | sed 's/^layout: //')" "seconds" "RSS MiB"
      header=1
    fi
    if [ $code -ne 0 ] || [ -z "$row" ]; then
      printf '%-40s exit %d: %s\n' "$(basename "$f")" "$code" "$(head -c 150 "$tmp/stderr")"
    else
      printf '%s %8s %8d\n' "$row" "$secs" "$((kb / 1024))"
    fi
    rm -rf "$tmp/out"
  done
done
