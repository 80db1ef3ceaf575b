#!/usr/bin/env bash
# The full mutation campaign of issue 27: mutants of the corpus's real models in every format,
# opened with NNViz.load in one JVM per backend world (InJvmMutationTest), and run through the
# CLI as a user runs it (CliMutationTest: java -Xmx512m, the default budget), with the fixed seed
# unless SEED is given. Prints both tables; kept mutants are in cli/target/mutants-*/.
#
#   bash bench/mutations/run.sh [IN_JVM=2000] [CLI=600] [SEED=27]
#
# Needs the corpus (~/.cache/nnviz/corpus) and the modules installed once (mvn install -DskipTests).
# The CLI part runs in slices of 200 (surefire ends a test class after 15 minutes); a slice's
# failures are reported and the next slice still runs. About 2 s per CLI mutant and 0.1 s per
# in-JVM one on 2 cores.
set -u
cd "$(dirname "$0")/../.."
IN_JVM=${1:-2000}
CLI=${2:-600}
SEED=${3:-27}
OUT=cli/target/mutation-campaign
mkdir -p "$OUT"
rm -f "$OUT"/*.txt
MVN="mvn -o -B -q -pl cli test -Dsurefire.failIfNoSpecifiedTests=false -Dnnviz.mutations.seed=$SEED"

start=$(date +%s)
$MVN -Dtest=InJvmMutationTest -Dnnviz.mutations.inJvm="$IN_JVM" > "$OUT/injvm-maven.log" 2>&1
echo "InJvmMutationTest: maven exit $? in $(( $(date +%s) - start )) s"
cp cli/target/injvm-mutations.txt "$OUT/injvm.txt" 2>/dev/null && cat "$OUT/injvm.txt"

for ((from = 0; from < CLI; from += 200)); do
  n=$(( CLI - from < 200 ? CLI - from : 200 ))
  start=$(date +%s)
  $MVN -Dtest=CliMutationTest -Dnnviz.mutations="$n" -Dnnviz.mutations.from="$from" > "$OUT/cli-$from-maven.log" 2>&1
  echo "CliMutationTest mutants $from..$(( from + n - 1 )): maven exit $? in $(( $(date +%s) - start )) s"
  cp cli/target/cli-mutations.txt "$OUT/cli-$from.txt"
done

[ "$CLI" -gt 0 ] || exit 0
# the slices' tables summed per format: mutants, exit 0 / 2 / 3 / other, caught by the child's net, slowest, peak RSS
echo
echo "CLI: $CLI mutants (seed $SEED), all slices"
printf '%-52s %7s %6s %6s %6s %6s %7s %8s %9s\n' "format / seed" mutants "exit 0" "exit 2" "exit 3" other caught slowest "peak RSS"
awk '/^(ONNX|Keras|DL4J|TorchScript|SavedModel|frozen|TFLite|safetensors|GGUF|PyTorch)/ {
       key = $1; for (i = 2; i <= NF - 10; i++) key = key " " $i
       k = NF - 9; m[key] += $k; e0[key] += $(k+1); e2[key] += $(k+2); e3[key] += $(k+3); o[key] += $(k+4); c[key] += $(k+5)
       if ($(k+6) > s[key]) s[key] = $(k+6); if ($(k+8) > r[key]) r[key] = $(k+8) }
     END { for (key in m) printf "%-52s %7d %6d %6d %6d %6d %7d %6d s %5d MiB\n", key, m[key], e0[key], e2[key], e3[key], o[key], c[key], s[key], r[key] }' \
  "$OUT"/cli-*[0-9].txt | sort
grep -h "^  \(BAD\|NET\)" "$OUT"/cli-*[0-9].txt
