#!/usr/bin/env bash
# Installs everything smile-sensor needs to build, run and test, from the package
# registries only (Debian, crates.io, npm, PyPI). Idempotent: a second run only checks.
#
# Usage: scripts/setup.sh [--with-postgres]
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

# Versions that must match Cargo.lock: the wasm-bindgen CLI refuses a crate of another version.
WASM_PACK_VERSION=0.15.1
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"

log() { printf 'setup: %s\n' "$*"; }

apt_packages=(chromium chromium-driver ffmpeg xz-utils)
if [[ "${1:-}" == "--with-postgres" ]]; then
    apt_packages+=(postgresql)
fi

missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rustup target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

installed_version() { "$1" --version 2>/dev/null | awk '{ print $2 }'; }

if [[ "$(installed_version wasm-pack)" != "$WASM_PACK_VERSION" ]]; then
    log "installing wasm-pack $WASM_PACK_VERSION from crates.io (several minutes)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi

if [[ "$(installed_version wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]]; then
    # Without --locked: the CLI's own lock file pins a webpki-roots version crates.io no longer serves.
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (several minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [[ -f package-lock.json ]] && { [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; }; then
    log "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi

log "ready: $(wasm-pack --version), wasm-bindgen $(installed_version wasm-bindgen), $(chromium --version 2>/dev/null)"
