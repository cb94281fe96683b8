#!/usr/bin/env bash
# The dedicated fuzz run: every fuzzer with CASES cases (default 100,000) instead of the slice ./mvnw verify
# runs. Each input must be accepted or refused as bad input within 1 s and 64 MiB of allocation; an input that
# breaks a reader is kept under src/test/resources/.../regressions/ and replayed by every later build.
# Special files (FIFOs, /dev/zero, directories) are not fuzzed: InputFilesTest and AgentCommandTest refuse each
# kind in every build, and LargeHeaderIT bounds the largest header a model may have.
#   bench/fuzz.sh [CASES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
cases=${1:-100000}
./mvnw -q -B -DskipTests install -pl estimator,native-bindings
started=$(date +%s)
./mvnw -B test -pl estimator,agent -Dmemwall.fuzz.cases="$cases" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest='GgufFuzzTest,SafetensorsFuzzTest,ConfigFuzzTest,InputFuzzTest,HttpFramingFuzzTest' 2>&1 \
    | grep -a -E "Tests run:|FAIL|BUILD|ERROR" || true
echo "fuzz run with $cases cases per fuzzer took $(( $(date +%s) - started )) s"
