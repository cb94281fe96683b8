#!/usr/bin/env bash
# Start-up against clinfo, in one hyperfine run: `memwall --version`, `memwall probe --no-bench` through the
# launcher (with its class-data archive), and `clinfo` (the whole listing) and `clinfo --list` as the peer.
# Prints each median and its ratio to clinfo's.
#   bench/startup.sh [runs]          (apt-get install hyperfine clinfo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
runs=${1:-20}
for tool in hyperfine clinfo python3; do
    command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install hyperfine clinfo python3)" >&2; exit 2; }
done
./memwall probe --no-bench >/dev/null 2>&1   # builds the jar and the archive when missing, outside the timing
out="${TMPDIR:-/tmp}/memwall-startup.$$.json"
trap 'rm -f "$out"' EXIT
hyperfine -N --warmup 2 --runs "$runs" --export-json "$out" \
    './memwall --version' \
    './memwall probe --no-bench' \
    'clinfo' \
    'clinfo --list' >/dev/null
python3 - "$out" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
clinfo = results["clinfo"]["median"]
for command, r in results.items():
    print(f"median {r['median'] * 1000:7.1f} ms (min {r['min'] * 1000:6.1f}, max {r['max'] * 1000:6.1f})"
          f"  {r['median'] / clinfo:5.2f}x clinfo  {command}")
PY
