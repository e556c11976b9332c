#!/usr/bin/env bash
# Installs and builds the web app (dashboard/web) only when its inputs changed since last time.
# `make setup-web` calls this; it may be run any number of times.
set -euo pipefail

cd "$(dirname "$0")/../dashboard/web"

hash_of() {
    # A content hash of the given files and directories (sorted, so the order is stable).
    find "$@" -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

install_hash=$(hash_of package.json package-lock.json)
if [ ! -d node_modules ] || [ "$(cat node_modules/.setup-web-install 2>/dev/null)" != "$install_hash" ]; then
    echo "setup-web: installing npm packages"
    npm ci --no-audit --no-fund || npm install --no-audit --no-fund
    echo "$install_hash" > node_modules/.setup-web-install
fi

build_hash=$(hash_of package.json package-lock.json index.html vite.config.ts tsconfig.json src public)
if [ ! -f dist/index.html ] || [ "$(cat dist/.setup-web-build 2>/dev/null)" != "$build_hash" ]; then
    echo "setup-web: building dist/"
    npm run --silent build
    echo "$build_hash" > dist/.setup-web-build
fi
