#!/usr/bin/env bash
# Offline checks of the systemd unit, runnable in CI and in a container where systemd is not PID 1.
#   bash docker/systemd/check.sh
# Needs: systemd-analyze and systemd-sysusers (Debian package "systemd", 252 or newer for --offline).
#
# systemd-analyze verify refuses a unit whose ExecStart= binary is missing, and exits 0 on mere warnings
# (unknown keys, bad values are "ignoring" lines on stderr). So the unit is verified, unchanged, inside a
# throw-away root (--root) that holds it, a stub /opt/memwall/bin/memwall and a copy of the host's
# /usr/lib/systemd/system (for sysinit.target, modprobe@.service, ...), and any output at all fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
unit=memwall-agent.service

die() { echo "check.sh (systemd): FAIL: $*" >&2; exit 1; }

for tool in systemd-analyze systemd-sysusers; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install systemd"
done
echo "== $(systemd-analyze --version | head -n 1)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/opt/memwall/bin" "$root/usr/lib/systemd"
cp "$here/$unit" "$root/etc/systemd/system/"
printf '#!/bin/sh\nexit 0\n' > "$root/opt/memwall/bin/memwall"
chmod 755 "$root/opt/memwall/bin/memwall"
[ -d /usr/lib/systemd/system ] || die "/usr/lib/systemd/system missing"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"

echo "== systemd-analyze verify $unit"
# --man=no: the unit names no man page of its own; --generators=no: nothing to generate offline.
out=$(systemd-analyze verify --man=no --generators=no --root="$root" "$unit" 2>&1) \
    || die "systemd-analyze verify failed:"$'\n'"$out"
[ -z "$out" ] || die "systemd-analyze verify printed warnings (treated as errors):"$'\n'"$out"
echo "ok"

echo "== systemd-analyze security --offline=true $unit"
# Exposure 3.3 of 10 ("OK") today; fail if a change weakens the sandbox past 4.0.
if ! out=$(systemd-analyze security --offline=true --threshold=40 --no-pager --root="$root" "$unit" 2>&1); then
    die "exposure over 4.0 (or security failed):"$'\n'"$out"
fi
printf '%s\n' "$out" | tail -n 1

echo "== systemd-sysusers --dry-run memwall.sysusers"
mkdir -p "$root/usr/lib/sysusers.d"
cp "$here/memwall.sysusers" "$root/usr/lib/sysusers.d/memwall.conf"
out=$(systemd-sysusers --dry-run --root="$root" 2>&1) || die "systemd-sysusers failed:"$'\n'"$out"
printf '%s\n' "$out" | grep -q "Creating user 'memwall'" \
    || die "systemd-sysusers would not create user memwall:"$'\n'"$out"
echo "ok"

echo "== agent.env.example: only comments, blank lines and KEY=value"
if bad=$(grep -n -v -E '^(#.*|[[:space:]]*|[A-Z_][A-Z0-9_]*=.*)$' "$here/agent.env.example"); then
    die "agent.env.example has lines systemd cannot read:"$'\n'"$bad"
fi
echo "ok"

echo "check.sh (systemd): all checks passed"
