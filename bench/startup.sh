#!/usr/bin/env bash
# Start-up: `memwall probe --no-bench` through the launcher (with its class-data sharing archive), the same jar
# without the archive, and `clinfo --list`, 10 runs each with hyperfine (apt-get install hyperfine clinfo).
#   bench/startup.sh [runs]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
runs=${1:-10}
./memwall probe --no-bench >/dev/null 2>&1   # builds the jar and the archive when missing
hyperfine -N --warmup 1 --runs "$runs" --export-json "${TMPDIR:-/tmp}/memwall-startup.json" \
    './memwall probe --no-bench' \
    'java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -jar agent/target/memwall.jar probe --no-bench' \
    'clinfo --list'
python3 - "${TMPDIR:-/tmp}/memwall-startup.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"median {r['median'] * 1000:7.1f} ms  {r['command']}")
PY
