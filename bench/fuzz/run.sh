#!/usr/bin/env bash
# Fuzzes every loader with Jazzer for SECONDS each (default 60), one @FuzzTest at a time, from the
# regression files in src/test/resources/**/LoaderFuzzTestInputs (real models and issue 17's
# reproducers). Prints each target's executions and findings; a finding's input is written next to
# the regression files as crash-HASH (move it in under a name that says what it is, and fix the loader).
# Needs the modules installed once: mvn -B install -DskipTests
set -uo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-60}"
for target in backend-dl4j:dl4jZip backend-dl4j:kerasH5 backend-djl:onnx backend-djl:torchScript \
              backend-tensorflow:frozenGraph backend-tensorflow:savedModel; do
  module="${target%%:*}"; method="${target##*:}"
  log="$module/target/fuzz-$method.log"
  mkdir -p "$module/target"
  # the JVM starts and the seeds load in well under a minute; the fuzzing itself stops at the time limit
  ( JAZZER_FUZZ=1 timeout --signal=KILL $((secs + 60)) mvn -B -o -q -pl "$module" surefire:test -Dtest="LoaderFuzzTest#$method" \
      > "$log" 2>&1 ) 2>/dev/null
  code=$?
  execs=$(LC_ALL=C grep -a -o '#[0-9]*' "$log" | tail -1 | tr -d '#')
  finding=$(LC_ALL=C grep -a -m1 -o 'FuzzTestFinding.*' "$log" | cut -c1-160)
  if [ -z "$finding" ] && { [ "$code" = 0 ] || [ "$code" = 137 ]; }; then finding="no finding"; fi
  printf '%-20s %-12s executions %-8s %s\n' "$module" "$method" "${execs:-0}" "${finding:-exit $code: see $log}"
done
