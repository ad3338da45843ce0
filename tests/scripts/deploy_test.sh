#!/usr/bin/env bash
# Static checks of deploy/ and scripts/ (ctest LABELS script): systemd-analyze verify on the unit,
# the guide's Docker/compose contract, the runtime image's libraries against ldd of the built binary,
# and shellcheck on every script. usage: deploy_test.sh BINARY. Prints "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: deploy_test.sh BINARY}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chiral-deploy-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0
py=/usr/bin/python3
[[ -x $py ]] || py=python3

check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  local output
  if output=$("$@" 2>&1); then
    passed=$((passed + 1))
    echo "ok - $what"
  else
    failed=$((failed + 1))
    echo "not ok - $what"
    [[ -n "$output" ]] && printf '%s\n' "$output" | sed 's/^/#   /'
  fi
}
skip() { skipped=$((skipped + 1)); echo "ok - # SKIP $*"; }
has_line() { grep -qxF -- "$2" "$1" || { echo "missing line in $1: $2"; return 1; }; }
has_text() { grep -qF -- "$2" "$1" || { echo "missing in $1: $2"; return 1; }; }

# --- systemd unit ----------------------------------------------------------------------------------
unit=$root/deploy/chiral-relay.service
for line in "Type=notify" "WatchdogSec=30" "NoNewPrivileges=yes" "ProtectSystem=strict" \
            "ReadWritePaths=/var/lib/chiral-relay" "LimitNOFILE=65536" "KillSignal=SIGTERM" "TimeoutStopSec=35" \
            "AmbientCapabilities=" "User=chiral-relay" "Restart=always" "SyslogIdentifier=chiral-relay" \
            "WantedBy=multi-user.target" 'Environment="RELAY_DIR=/var/lib/chiral-relay"'; do
  check "unit has $line" has_line "$unit" "$line"
done
for flag in --port --external-address --identity-path --pid-file --metrics-file --config; do
  check "unit ExecStart passes $flag" has_text "$unit" "  $flag "
done
# The guide's limits are in relay.toml (reloadable), and the file is one the daemon accepts.
for line in "max-reservations = 256" "max-circuits = 32"; do
  check "relay.toml has $line" has_text "$root/deploy/relay.toml" "$line"
done
config_parses() {
  "$bin" --config "$root/deploy/relay.toml" --version >/dev/null 2>"$tmp/config.err" || { cat "$tmp/config.err"; return 1; }
  [[ ! -s "$tmp/config.err" ]] || { cat "$tmp/config.err"; return 1; }
}
check "chiral-relay accepts deploy/relay.toml" config_parses
verify_unit() {
  local out
  sed "s|/usr/local/bin/chiral-relay|$bin|" "$unit" >"$tmp/chiral-relay.service"
  # Unknown keys are only warnings to systemd: any output fails the check.
  out=$(cd "$tmp" && systemd-analyze verify "$tmp/chiral-relay.service" 2>&1) || { echo "$out"; return 1; }
  [[ -z "$out" ]] || { echo "$out"; return 1; }
}
if command -v systemd-analyze >/dev/null 2>&1; then
  check "systemd-analyze verify deploy/chiral-relay.service" verify_unit
else
  skip "systemd-analyze not installed"
fi

# --- Dockerfile ------------------------------------------------------------------------------------
df=$root/deploy/Dockerfile
check "builder stage on debian:bookworm" has_line "$df" "FROM debian:bookworm AS builder"
check "runtime stage on debian:bookworm-slim" has_line "$df" "FROM debian:bookworm-slim"
check "builder runs scripts/install-deps.sh (as .ci/run does)" has_text "$df" "RUN ./scripts/install-deps.sh"
check ".ci/run runs scripts/install-deps.sh" has_text "$root/.ci/run" "./scripts/install-deps.sh"
check "builder builds with the Makefile" has_text "$df" "make build"
check "non-root user" has_line "$df" "USER chiral-relay"
check "guide VOLUME" has_line "$df" "VOLUME /data"
check "guide EXPOSE" has_line "$df" "EXPOSE 4001"
check "guide ENTRYPOINT" has_line "$df" 'ENTRYPOINT ["/usr/local/bin/chiral-relay"]'
check "guide CMD" has_text "$df" 'CMD ["--port", "4001",'
check "CMD identity path" has_text "$df" '"--identity-path", "/data/identity.key",'
check "CMD metrics file" has_text "$df" '"--metrics-file", "/data/metrics.json"]'
check "HEALTHCHECK uses health-check.sh" has_text "$df" 'CMD ["/opt/chiral-relay/scripts/health-check.sh"]'
check "health check scripts copied" has_text "$df" "COPY scripts/health-check.sh scripts/relay-common.sh /opt/chiral-relay/scripts/"

# Every shared library of the binary (but libc's own) comes from a package the runtime stage installs.
runtime_libs() {
  local pkgs missing="" lib path pkg
  pkgs=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$df" | tr -s ' \\\n' ' ')
  while read -r lib path; do
    case "$lib" in linux-vdso* | */ld-linux* | ld-linux* | libc.so* | libm.so*) continue ;; esac
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
    [[ -z "$pkg" ]] && pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
    [[ -n "$pkg" ]] || { missing+=" $lib(no package)"; continue; }
    [[ " $pkgs " == *" $pkg "* ]] || missing+=" $pkg($lib)"
  done < <(ldd "$bin" | awk '$2 == "=>" {print $1, $3} $2 != "=>" {print $1, $1}')
  [[ -z "$missing" ]] || { echo "runtime stage lacks:$missing"; return 1; }
}
# (ldd captured first: `ldd | grep -q` under pipefail fails at random when grep exits before ldd is done)
linked=$(ldd "$bin")
if [[ "$linked" == *libasan* || "$linked" == *libubsan* ]]; then
  skip "runtime libraries: $bin is a sanitizer build"
elif command -v dpkg >/dev/null 2>&1; then
  check "runtime stage installs every library of chiral-relay" runtime_libs
else
  skip "dpkg not available"
fi
check ".dockerignore keeps build trees out" has_line "$root/.dockerignore" "build*/"

# --- docker-compose.yml (the guide's) ------------------------------------------------------------------
compose_ok() {
  "$py" - "$root/deploy/docker-compose.yml" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
svc = doc["services"]["chiral-relay"]
problems = []
if svc.get("restart") != "unless-stopped": problems.append("restart")
if "4001:4001" not in svc.get("ports", []): problems.append("ports 4001:4001")
if "relay-data:/data" not in svc.get("volumes", []): problems.append("volume relay-data:/data")
if "relay-data" not in (doc.get("volumes") or {}): problems.append("top-level volume")
cmd = svc.get("command", "").split()
for flag, value in [("--port", "4001"), ("--identity-path", "/data/identity.key"),
                    ("--metrics-file", "/data/metrics.json"), ("--max-reservations", "256"),
                    ("--max-circuits", "32")]:
    if flag not in cmd or cmd[cmd.index(flag) + 1] != value: problems.append(f"command {flag} {value}")
if "--external-address" not in cmd: problems.append("command --external-address")
if svc.get("build", {}).get("dockerfile") != "deploy/Dockerfile": problems.append("build.dockerfile")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}
if "$py" -c 'import yaml' 2>/dev/null; then
  check "docker-compose.yml has the guide's service" compose_ok
else
  skip "python3-yaml not installed"
fi

# --- Grafana dashboard: every metric it queries is one the relay exports -----------------------------
dashboard_metrics() {
  local name missing=""
  while read -r name; do
    # A histogram's series carry _bucket/_sum/_count after the family name.
    grep -q "\"$name\"" "$root/src/metrics/relay_metrics.cpp" ||
      grep -q "\"${name%_bucket}\"" "$root/src/metrics/relay_metrics.cpp" || missing+=" $name"
  done < <(grep -o 'chiral_relay_[a-z_]*' "$root/deploy/grafana-dashboard.json" | sort -u)
  [[ -z "$missing" ]] || { echo "not exported:$missing"; return 1; }
}
check "grafana dashboard is valid JSON" "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$root/deploy/grafana-dashboard.json"
check "grafana dashboard queries exported metrics" dashboard_metrics

# --- shellcheck ------------------------------------------------------------------------------------------
if command -v shellcheck >/dev/null 2>&1; then
  for f in "$root"/scripts/*.sh "$root"/tests/scripts/*.sh; do
    check "shellcheck ${f#"$root"/}" shellcheck -x "$f"
  done
else
  skip "shellcheck not installed"
fi

echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
