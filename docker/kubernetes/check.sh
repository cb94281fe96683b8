#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests (no cluster needed), runnable in CI:
#   bash docker/kubernetes/check.sh
# 1. yamllint (required: apt-get install yamllint).
# 2. kustomize build, with and without the runtimeclass-nvidia.yaml patch, plus a few assertions on the
#    output. Needs `kustomize` or `kubectl` with kustomize v5 (kubectl >= 1.27); Debian's kubernetes-client
#    (kubectl 1.20, kustomize v2) cannot read the "labels:" field.
# 3. Schema validation of the built objects with the npm packages in schema-check/ (node + npm, and the npm
#    registry for the first install; cached in $MEMWALL_K8S_CHECK_CACHE, default target/npm-k8s in the
#    repository). Without a kustomize build, the listed resource files are validated as they are.
# Step 3 is skipped with a message when node or npm is missing; with MEMWALL_REQUIRE_SYSTEM_PARTS set (as CI
# does) it fails instead. Step 2 is skipped with a message when neither kustomize nor kubectl is installed, in
# CI too: neither can be installed from Debian's or npm's registries (the Java test DeploymentIT still checks
# that every listed resource exists and parses). `kubectl apply --dry-run=client` is not used: it needs an API server even
# with --validate=false (it asks the server for the API groups to map each kind).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
strict=${MEMWALL_REQUIRE_SYSTEM_PARTS:-}

die() { echo "check.sh (kubernetes): FAIL: $*" >&2; exit 1; }
missing() {
    if [ -n "$strict" ]; then die "$* (MEMWALL_REQUIRE_SYSTEM_PARTS is set)"; fi
    echo "check.sh (kubernetes): SKIPPED: $*" >&2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- 1. yamllint ------------------------------------------------------------------------------------------
echo "== yamllint"
command -v yamllint >/dev/null || die "yamllint not found: apt-get install yamllint"
# -s: warnings fail too.
yamllint -c "$here/.yamllint" -s "$here" || die "yamllint found problems (listed above)"
echo "ok ($(yamllint --version))"

# --- 2. kustomize build -----------------------------------------------------------------------------------
build() {
    if command -v kustomize >/dev/null; then kustomize build "$1"; else kubectl kustomize "$1"; fi
}
if command -v kustomize >/dev/null; then
    builder="kustomize $(kustomize version 2>/dev/null | head -n 1)"
elif command -v kubectl >/dev/null; then
    builder="kubectl kustomize ($(kubectl version --client 2>/dev/null | grep -i kustomize || echo 'kustomize version unknown'))"
else
    builder=""
fi

built="$tmp/built.yaml"
if [ -z "$builder" ]; then
    echo "check.sh (kubernetes): SKIPPED: kustomize build: neither kustomize nor kubectl found" >&2
    # The resources as they are, for the schema validation below.
    for f in $(awk '/^resources:/ {r=1; next} /^[a-z]/ {r=0} r && /^  - / {print $2}' "$here/kustomization.yaml"); do
        cat "$here/$f"
        echo "---"
    done > "$built"
    cp "$built" "$tmp/patched.yaml"
else
    echo "== kustomize build (${builder})"
    build "$here" > "$built" || die "kustomize build failed (see above; it needs kustomize v5, i.e. kubectl >= 1.27)"

    # Assertions on the output. Plain text matching on kustomize's normalised output (two-space indents).
    has() { grep -q -E "$1" "$2" || die "$3"; }
    for kind in Namespace ServiceAccount Secret Service DaemonSet ServiceMonitor PrometheusRule; do
        has "^kind: ${kind}\$" "$built" "no ${kind} in the build"
    done
    docs=$(grep -c '^kind: ' "$built")
    namespaced=$(grep -c '^  namespace: memwall$' "$built")
    [ "$namespaced" -eq $((docs - 1)) ] || die "expected every object but the Namespace in namespace memwall"
    has '^    app.kubernetes.io/part-of: memwall$' "$built" "label app.kubernetes.io/part-of missing"
    has '^        image: memwall/agent:0\.1\.0$' "$built" "image memwall/agent:0.1.0 missing"
    # The agent only observes GPUs: a resource request or limit for nvidia.com/gpu would take them from
    # workloads. (The toleration spells it "key: nvidia.com/gpu", without the colon after it.)
    if grep -n 'nvidia\.com/gpu:' "$built"; then die "nvidia.com/gpu must not be requested"; fi
    # The generated Secret (name with hash suffix) is the one the DaemonSet mounts.
    secret=$(awk '/^kind: Secret$/ {s=1} /^---$/ {s=0} s && /^  name: / {print $2}' "$built")
    [ -n "$secret" ] || die "no generated Secret name"
    has "^          secretName: ${secret}\$" "$built" "DaemonSet does not mount the generated Secret ${secret}"
    if grep -q 'runtimeClassName' "$built"; then die "runtimeClassName must be off by default"; fi
    echo "ok ($docs objects, Secret $secret)"

    echo "== kustomize build with the runtimeclass-nvidia.yaml patch turned on"
    # Exactly what a user does: uncomment the two patches: lines in a copy of the folder.
    cp -a "$here" "$tmp/with-patch"
    sed -i -e 's|^# patches:$|patches:|' -e 's|^#   - path: runtimeclass-nvidia.yaml$|  - path: runtimeclass-nvidia.yaml|' \
        "$tmp/with-patch/kustomization.yaml"
    grep -q '^  - path: runtimeclass-nvidia.yaml$' "$tmp/with-patch/kustomization.yaml" \
        || die "could not turn the patch on: the commented patches: lines in kustomization.yaml changed"
    build "$tmp/with-patch" > "$tmp/patched.yaml" || die "kustomize build with the patch failed"
    has '^      runtimeClassName: nvidia$' "$tmp/patched.yaml" "the patch did not set runtimeClassName"
    echo "ok"
fi

# --- 3. schema validation ---------------------------------------------------------------------------------
if [ ! -s "$built" ]; then
    die "schema validation: nothing to validate"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing "schema validation: node and npm not found (apt-get install nodejs npm)"
else
    echo "== schema validation (npm kubernetes-models, node $(node --version))"
    cache=${MEMWALL_K8S_CHECK_CACHE:-$here/../../target/npm-k8s}
    mkdir -p "$cache"
    # Reinstall only when the lock file changed. --loglevel=error hides the packages' "node >= 22" engine
    # warnings: they work on Node 20, which this check is run with.
    if ! cmp -s "$here/schema-check/package-lock.json" "$cache/package-lock.json" || [ ! -d "$cache/node_modules" ]; then
        rm -rf "$cache/node_modules"
        cp "$here/schema-check/package.json" "$here/schema-check/package-lock.json" "$cache/"
        if ! (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >&2); then
            rm -f "$cache/package-lock.json"
            missing "schema validation: npm ci failed (no npm registry?)"
            cache=""
        fi
    fi
    if [ -n "$cache" ]; then
        cp "$here/schema-check/validate.mjs" "$cache/"
        node "$cache/validate.mjs" "$built" || die "schema validation failed"
        node "$cache/validate.mjs" "$tmp/patched.yaml" >/dev/null || die "schema validation (with patch) failed"
        echo "ok"
    fi
fi

echo "check.sh (kubernetes): all checks passed"
