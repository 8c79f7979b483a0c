#!/usr/bin/env bash
# Installs playwright-core (the browser driver of the web suite) from npm into DIR/node_modules,
# unless that exact version is already there. The browser itself is Debian's chromium
# (scripts/install-deps.sh --e2e); playwright never downloads one.
#   tests/web/install-playwright.sh DIR
set -euo pipefail
PLAYWRIGHT_VERSION=1.65.1
dir=${1:?usage: install-playwright.sh DIR}
have=$(node -e "try{console.log(require('$dir/node_modules/playwright-core/package.json').version)}catch(e){}" 2>/dev/null || true)
[ "$have" = "$PLAYWRIGHT_VERSION" ] && exit 0
command -v npm >/dev/null || { echo "install-playwright: npm is missing (scripts/install-deps.sh --e2e installs it)" >&2; exit 1; }
mkdir -p "$dir"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --prefix "$dir" "playwright-core@$PLAYWRIGHT_VERSION" >&2
