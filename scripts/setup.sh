#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is already there at the right version:
# the wasm32 target, cargo-leptos, wasm-bindgen-cli matching Cargo.lock, npm packages of end2end/
# (Playwright, binaryen's wasm-opt) Debian's Chromium and poppler-utils. Everything comes from the package
# registries; nothing downloads a prebuilt binary from elsewhere. Idempotent and quick when done.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes on 2 cores, once)"
    cargo install --locked "cargo-leptos@$CARGO_LEPTOS_VERSION" --features no_downloads
fi

WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
    say "installing wasm-bindgen-cli $WB_VERSION (matches Cargo.lock)"
    # Without --locked on purpose: a locked dependency of the CLI is not in the registry.
    cargo install wasm-bindgen-cli --version "=$WB_VERSION"
fi

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@playwright/test ] \
    || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing npm packages of end2end/ (Playwright, binaryen)"
    (cd end2end && npm ci --no-audit --no-fund)
fi

# Debian's Chromium runs the browser tests; poppler-utils' pdftotext reads the PDFs the tests produce.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ]; then
    say "installing Debian's chromium and poppler-utils"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium poppler-utils >/dev/null
fi
say "ready"
