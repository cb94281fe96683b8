#!/usr/bin/env bash
# Checks the memwall Prometheus configuration, rules, alerts, their unit tests
# and the Grafana dashboard. Run from any directory; exits non-zero on the
# first failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
dashboard="$(cd ../grafana 2>/dev/null && pwd || echo "$here/../grafana")/memwall-fleet.json"

if ! command -v promtool >/dev/null 2>&1; then
    echo "check.sh: promtool not found on PATH (it comes with Prometheus, e.g. the Debian package 'prometheus')" >&2
    exit 2
fi
if [ ! -f "$dashboard" ]; then
    echo "check.sh: $dashboard not found" >&2
    exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "check.sh: python3 not found on PATH (needed to check the Grafana dashboard)" >&2
    exit 2
fi

run() {
    echo "+ $*"
    "$@"
    echo
}

echo "in $here, $(promtool --version 2>&1 | head -n 1)"
echo

# check config also checks the rule files that prometheus.yml references.
run promtool check config prometheus.yml
run promtool check rules memwall-rules.yml memwall-alerts.yml
run promtool test rules tests/*.yml

run python3 -m json.tool "$dashboard" /dev/null

# Every metric name in the dashboard's queries must be one the agent exports,
# up, or one of the recording rules; and every query must parse as PromQL.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "+ dashboard queries: known metric names only"
python3 - "$dashboard" memwall-rules.yml "$scratch/dashboard-queries.yml" <<'PYEOF'
import json
import re
import sys

dashboard_path, rules_path, out_path = sys.argv[1:]

exported = {
    "memwall_device_memory_total_bytes", "memwall_device_memory_free_bytes",
    "memwall_device_memory_used_bytes", "memwall_device_memory_reserved_bytes",
    "memwall_device_bandwidth_bytes_per_second", "memwall_device_up",
    "memwall_device_bandwidth_measured_timestamp_seconds", "memwall_snapshot_timestamp_seconds",
    "memwall_probe_errors_total", "memwall_model_fits", "memwall_model_headroom_bytes",
    "memwall_model_decode_tokens_per_second_bound", "memwall_model_bandwidth_bound", "up",
}
with open(rules_path) as f:
    recorded = set(re.findall(r"^\s*-?\s*record:\s*['\"]?([A-Za-z_:][\w:]*)", f.read(), re.M))
if not recorded:
    sys.exit(f"no recording rules found in {rules_path}")
known = exported | recorded

KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan", "atan2"}

def metric_names(expr):
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)  # string literals
    s = re.sub(r"\{[^}]*\}", " ", s)                                            # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)                                           # ranges, subqueries
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)  # label lists
    names = []
    for m in re.finditer(r"(?<![\w:.$])[A-Za-z_:][\w:]*", s):
        tok = m.group(0)
        if re.match(r"\s*\(", s[m.end():]) or tok.lower() in KEYWORDS:
            continue  # function or aggregation call, operator keyword
        names.append(tok)
    return names

def substitute(expr):
    """Grafana variables to values that make the query plain PromQL."""
    def repl(m):
        name = m.group(1) or m.group(2)
        return "5m" if name.startswith("__") else ".*"
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", repl, expr)

with open(dashboard_path) as f:
    dash = json.load(f)

exprs = []          # (where, expr)
problems = []
ids = set()

def walk(node, where):
    if isinstance(node, dict):
        if "expr" in node and isinstance(node["expr"], str):
            exprs.append((where, node["expr"]))
        for k, v in node.items():
            walk(v, where)
    elif isinstance(node, list):
        for v in node:
            walk(v, where)

for p in dash.get("panels", []):
    pid = p.get("id")
    if pid in ids:
        problems.append(f"duplicate panel id {pid}")
    ids.add(pid)
    title = f"panel {pid} '{p.get('title')}'"
    walk(p, title)
    if p.get("type") != "row":
        if p.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"{title}: datasource is not ${{datasource}}")
        for t in p.get("targets", []):
            if t.get("datasource", {}).get("uid") != "${datasource}":
                problems.append(f"{title}: target {t.get('refId')} datasource is not ${{datasource}}")
        if not p.get("targets"):
            problems.append(f"{title}: no queries")

variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
ds = variables.get("datasource")
if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
    problems.append("no template variable 'datasource' of type datasource/prometheus")
for name in ("node", "model"):
    v = variables.get(name)
    if not v:
        problems.append(f"no template variable '{name}'")
        continue
    q = v.get("query")
    q = q.get("query", "") if isinstance(q, dict) else (q or "")
    m = re.fullmatch(r"\s*label_values\(\s*([A-Za-z_:][\w:]*)\s*,\s*(\w+)\s*\)\s*", q)
    if not m:
        problems.append(f"variable {name}: query {q!r} is not label_values(metric, label)")
    elif m.group(1) not in known:
        problems.append(f"variable {name}: unknown metric {m.group(1)}")

if not exprs:
    problems.append("no queries found")
for where, expr in exprs:
    names = metric_names(expr)
    if not names:
        problems.append(f"{where}: no metric name in {expr!r}")
    for n in names:
        if n not in known:
            problems.append(f"{where}: unknown metric {n!r} in {expr!r}")

if problems:
    print("\n".join("  " + p for p in problems))
    sys.exit(1)

# Every query as a recording rule, so that promtool parses it.
with open(out_path, "w") as f:
    f.write("groups:\n  - name: dashboard-queries\n    rules:\n")
    for i, (_, expr) in enumerate(exprs):
        f.write(f"      - record: dashboard:query_{i}\n        expr: {json.dumps(substitute(expr))}\n")
print(f"  {len(exprs)} queries, {len(set(n for _, e in exprs for n in metric_names(e)))} distinct metric names, "
      f"all known ({len(recorded)} recording rules, {len(exported)} exported metrics)")
PYEOF
echo

echo "+ dashboard queries parse as PromQL (variables substituted)"
run promtool check rules "$scratch/dashboard-queries.yml"

echo "+ docker/kubernetes/prometheusrule.yaml is what prometheusrule.sh writes"
if ! bash "$here/prometheusrule.sh" | cmp -s - "$here/../kubernetes/prometheusrule.yaml"; then
    echo "check.sh: docker/kubernetes/prometheusrule.yaml is out of date; run docker/prometheus/prometheusrule.sh > docker/kubernetes/prometheusrule.yaml" >&2
    exit 1
fi
echo

echo "check.sh: all checks passed"
