#!/usr/bin/env bash
# Peer timing for issue #3: Graphviz dot -Tsvg on the benchmark's chain (a skip edge every 3 nodes).
# Usage: bash bench/peers/dot_peer.sh 500 5000
set -euo pipefail
for n in "$@"; do
  f=$(mktemp --suffix=.dot)
  {
    echo "digraph chain { node [shape=box];"
    for ((i = 1; i < n; i++)); do
      echo "n$((i - 1)) -> n$i;"
      if ((i >= 3 && i % 3 == 0)); then echo "n$((i - 3)) -> n$i;"; fi
    done
    echo "}"
  } > "$f"
  start=$(date +%s.%N)
  dot -Tsvg "$f" > /dev/null
  end=$(date +%s.%N)
  echo "dot -Tsvg, $n nodes: $(echo "$end - $start" | bc) s"
  rm -f "$f"
done
