#!/usr/bin/env bash
# memwall beside the runtimes it predicts: runs the truth suites and regenerates the measured sections of
# docs/ACCURACY.md from what they wrote under */target/truth/.
#   bench/truth.sh            the suites as CI runs them
#   bench/truth.sh --sweep    more contexts, sequences and micro-batches for llama.cpp (a few minutes)
# Needs node-llama-cpp under agent/target/npm (see .ci/run) and an OpenCL device (PoCL). Run it on a quiet machine:
# the decode test times llama.cpp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
sweep=false
[ "${1:-}" = "--sweep" ] && sweep=true
./mvnw -q -B -pl agent -am test -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest='LlamaCppMemoryTruthTest,LlamaCppDecodeTruthTest,RunningLlamaCppTruthTest,VllmStartupLogsTest,DecodeExpectedTruthTest' -Dmemwall.truth.sweep="$sweep"
python3 bench/truth_report.py docs/ACCURACY.md "bench/truth.sh${1:+ $1}"
echo "docs/ACCURACY.md regenerated"
