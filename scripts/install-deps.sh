#!/usr/bin/env bash
# Installs the Debian packages the demo and the tests use, only those that are missing.
#
#   install-deps.sh [PACKAGE...]     (default: every package below; the demo names only the four it needs)
#
# It prints what it will install before it does, installs only the missing packages with `apt-get install
# --no-upgrade --no-install-recommends` (so a package already installed is never upgraded by it), and nothing else.
# reprepro, dpkg-dev and gnupg build real signed APT repositories; xdelta3 is the byte-delta yardstick
# of the benchmark; rsync and xz-utils are used by scripts; afl++ drives the fuzz targets (scripts/fuzz.sh).
set -euo pipefail

APT_PACKAGES=(reprepro dpkg-dev gnupg xdelta3 rsync xz-utils apt-utils iproute2 nftables udpcast openssl afl++ time)
# scripts/landscape-recipe.sh: a real web server serves the inside tree to an apt client, curl probes it.
APT_PACKAGES+=(nginx curl)

# --- packages, units and containers ---------------------------------------------------------------------------
# lintian checks the .debs (scripts/package.sh); debootstrap makes the Debian 12 roots of the unit check and of the
# container images (scripts/debian-root.sh); docker.io runs the container tests (scripts/docker-daemon.sh).
APT_PACKAGES+=(lintian debootstrap docker.io)

log() { printf 'install-deps: %s\n' "$*" >&2; }

if (($#)); then
    APT_PACKAGES=("$@")
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

log "installing (apt-get install --no-upgrade --no-install-recommends, plus their dependencies): ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: install ${missing[*]} first"; exit 1; }
    SUDO=(sudo)
fi
"${SUDO[@]}" apt-get -o Acquire::Retries=3 update </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y --no-upgrade --no-install-recommends \
    "${missing[@]}" </dev/null
# The recipe runs its own nginx on a loopback port it picks; where systemd started the package's service on port 80
# just now, stop it again (an nginx that was installed before is left as it was).
if [[ " ${missing[*]} " == *" nginx "* && -d /run/systemd/system ]]; then
    "${SUDO[@]}" systemctl disable --now nginx >/dev/null 2>&1 || log "could not stop the nginx service the package started"
fi
