#!/usr/bin/env bash
# The one place chiral-relay's build and test dependencies live.
# Idempotent and non-interactive: installs only what is missing (Debian 12 packages + npm lockfile).
set -euo pipefail

PKGS=(
  build-essential g++-12 cmake ninja-build pkg-config git
  libboost1.81-dev libssl-dev
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  nodejs npm
  procps iproute2 jq curl python3
  python3-prometheus-client python3-yaml shellcheck systemd
  linux-perf  # PERF=1 make bench: perf record of the relay during benchmark (a)
  openssl chromium
)
# openssl: the CLI makes the self-signed certificate of the /wss interop test (tests/interop/ws.mjs).
# chromium: the headless browser of tests/interop/browser (driven by playwright-core; no browser download).

missing=()
for p in "${PKGS[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)  # (no `| grep -q` under pipefail: SIGPIPE)
  if [[ "$status" != *"install ok installed"* ]]; then
    missing+=("$p")
  fi
done

# Node may come from outside apt (e.g. a preinstalled /usr/bin/node); don't fight it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  tmp=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

# npm packages for the js-libp2p interop tests, pinned by tests/interop/package-lock.json.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -f "$here/tests/interop/package-lock.json" ]]; then
  if [[ ! -d "$here/tests/interop/node_modules" || "$here/tests/interop/package-lock.json" -nt "$here/tests/interop/node_modules/.package-lock.json" ]]; then
    echo "install-deps: npm ci in tests/interop"
    (cd "$here/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
