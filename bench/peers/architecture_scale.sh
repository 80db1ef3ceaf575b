#!/usr/bin/env bash
# Issue 19's layout benchmark: nnviz's architecture layout + SVG on synthetic graphs of 1k, 10k and
# 100k nodes (a chain with a skip every 3; nested stages of identical 10-layer blocks), collapsed
# and expanded, with peak heap and RSS; then Graphviz dot -Tsvg on the very same graphs (written
# as DOT by the harness), each dot run limited to DOT_LIMIT seconds (default 600).
#   mvn -B -q -pl bench -am package -DskipTests && bash bench/peers/architecture_scale.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=bench/target/benchmarks.jar
dots=$(mktemp -d)
limit=${DOT_LIMIT:-600}
for kind in chain nested; do
  for n in 1000 10000 100000; do
    for view in collapsed expanded; do
      /usr/bin/time -f "  (process: %e s wall, %M KB peak RSS)" java -Xmx1g -Dnnviz.repeats=3 -cp "$jar" io.nnviz.bench.ArchitectureScale \
        "$kind" "$n" "$view" --dot "$dots" 2>&1 | tail -2
    done
  done
done
for f in "$dots"/*.dot; do
  start=$(date +%s.%N)
  if /usr/bin/time -f "%M" -o "$dots/rss" timeout "$limit" dot -Tsvg "$f" -o /dev/null; then
    end=$(date +%s.%N)
    echo "dot -Tsvg $(basename "$f" .dot): $(echo "$end - $start" | bc) s, peak RSS $(( $(tail -1 "$dots/rss") / 1024 )) MiB"
  else
    echo "dot -Tsvg $(basename "$f" .dot): did not finish in $limit s"
  fi
done
rm -rf "$dots"
