#!/usr/bin/env bash
# Installs the Debian packages the demo and the tests use, only when one is missing.
# reprepro, dpkg-dev and gnupg build real signed APT repositories; xdelta3 is the byte-delta yardstick
# of the benchmark; rsync and xz-utils are used by scripts.
set -euo pipefail

APT_PACKAGES=(reprepro dpkg-dev gnupg xdelta3 rsync xz-utils apt-utils iproute2 nftables udpcast openssl)

# --- packages, units and containers ---------------------------------------------------------------------------
# lintian checks the .debs (scripts/package.sh); debootstrap makes the Debian 12 roots of the unit check and of the
# container images (scripts/debian-root.sh); docker.io runs the container tests (scripts/docker-daemon.sh).
APT_PACKAGES+=(lintian debootstrap docker.io)

log() { printf 'install-deps: %s\n' "$*" >&2; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

log "installing ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: install ${missing[*]} first"; exit 1; }
    SUDO=(sudo)
fi
"${SUDO[@]}" apt-get -o Acquire::Retries=3 update </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y --no-install-recommends \
    "${APT_PACKAGES[@]}" </dev/null
