#!/usr/bin/env bash
# Issue 20's benchmark: reading and drawing the comparison of 100 and 1,000 synthetic runs (10,000
# steps, 5 metrics each), as a runs root holds them: with run.json (complete runs) and with the
# event logs only (runs killed before their first snapshot). Prints nnviz's seconds, peak heap and
# peak RSS, the comparison page's load in headless Chromium, and TensorBoard's own loading of the
# same runs' event files: its Rust data server (what `tensorboard --logdir` uses by default) and,
# for 100 runs, its Python event multiplexer (`--load_fast=false`), each keeping 1,000 samples a series.
#   mvn -B -q -pl bench -am package -DskipTests && TB_PYTHON=/tmp/tbenv/bin/python bash bench/peers/runs_scale.sh
# TB_PYTHON: a Python with tensorboard (python3 -m venv /tmp/tbenv && /tmp/tbenv/bin/pip install tensorboard).
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=bench/target/benchmarks.jar
data=${RUNS_BENCH:-/tmp/nnviz-runs-bench}
tb=${TB_PYTHON:-}
mkdir -p "$data"
for n in 100 1000; do
  for kind in snapshot logs; do
    root="$data/r$n-$kind"
    if [ ! -d "$root" ]; then
      java -Xmx2g -cp "$jar" io.nnviz.bench.RunsScale generate "$root" "$n" 10000 $([ "$kind" = logs ] && echo --no-snapshot) 2>/dev/null
    fi
    rm -rf "$data/out"
    echo "== $n runs, $kind"
    /usr/bin/time -f "  (process: %e s wall, %M KB peak RSS)" java -Xmx1g -cp "$jar" io.nnviz.bench.RunsScale compare "$root" "$data/out" 2>&1 \
      | grep -v SLF4J
    python3 bench/peers/page_load.py "file://$data/out/index.html" 5
  done
  if [ -n "$tb" ]; then
    server=$("$tb" -c "import tensorboard_data_server as t; print(t.server_binary())")
    log=$(mktemp)
    start=$(date +%s.%N)
    "$server" --logdir "$data/r$n-snapshot" --reload once --port 0 --samples-per-plugin scalars=1000 -v < /dev/null > "$log" 2>&1 &
    pid=$!
    until grep -q "Finished load cycle" "$log"; do sleep 0.2; done
    end=$(date +%s.%N)
    echo "TensorBoard data server (Rust): $(grep -o 'Finished load cycle.*' "$log"), $(echo "$end - $start" | bc) s from start," \
      "peak RSS $(( $(grep VmHWM /proc/$pid/status | awk '{print $2}') / 1024 )) MiB"
    kill "$pid"; rm -f "$log"
    if [ "$n" = 100 ]; then
      "$tb" bench/peers/tensorboard_load.py "$data/r$n-snapshot" 2>/dev/null | tail -1
    fi
  fi
done
