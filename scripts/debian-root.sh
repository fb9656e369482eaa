#!/usr/bin/env bash
# debian-root.sh [PACKAGE,...] - prints the path of a tarball of a minimal Debian 12 root (debootstrap
# --variant=minbase bookworm, plus the listed packages), making it first if it is not cached yet.
#
# Used by scripts/build-images.sh (the containers' base, no extra package) and scripts/check-units.sh (a root
# with systemd, for systemd-analyze). The tarball is cached in SYNC_IMAGE_CACHE (default /var/cache/sync-images),
# keyed by suite, packages and mirrors: CI runs from a clean clone on the same machine, and a root made from the
# same archive is the same root (apt-get in it later still takes the archive's updates). About a minute to make on
# 2 cores, nothing when cached. The root's apt sources name the suite, its updates and its security suite.
#
# Env: SYNC_DEBIAN_MIRROR (default: the first URIs: of the host's apt sources), SYNC_DEBIAN_SECURITY_MIRROR
# (default: the host's security URIs:, if any).
# Exit: 0 path printed; 1 failure (one line on stderr).
set -euo pipefail

die() { printf 'debian-root: %s\n' "$*" >&2; exit 1; }

include=${1:-}
suite=bookworm
sources=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
mirror=${SYNC_DEBIAN_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*//p' <<<"$sources" | grep -v -m 1 security || true)}
[[ -n $mirror ]] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[[ -n $mirror ]] || die "no Debian mirror found in the apt sources; set SYNC_DEBIAN_MIRROR"
security=${SYNC_DEBIAN_SECURITY_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*//p' <<<"$sources" | grep -m 1 security || true)}
key=$(printf '%s|%s|%s|%s|v1' "$suite" "$include" "$mirror" "$security" | sha256sum | cut -c1-16)
cache=${SYNC_IMAGE_CACHE:-/var/cache/sync-images}
tarball=$cache/debian-$suite${include:+-${include//,/-}}-$key.tar
if [[ -s $tarball ]]; then
    printf '%s\n' "$tarball"
    exit 0
fi

command -v debootstrap >/dev/null 2>&1 || die "no debootstrap (apt-get install debootstrap)"
[[ $(id -u) -eq 0 ]] || die "debootstrap needs root"
install -d "$cache"
rootfs=$(mktemp -d /var/tmp/sync-rootfs.XXXXXX)
trap 'rm -rf -- "$rootfs" "$rootfs.log" "$tarball.tmp"' EXIT
printf 'debian-root: debootstrap minbase %s%s from %s\n' "$suite" "${include:+ with $include}" "$mirror" >&2
debootstrap --variant=minbase ${include:+--include="$include"} "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    die "debootstrap failed: $(tail -n 1 "$rootfs.log")"
{
    printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$suite" "$mirror" "$suite"
    [[ -z $security ]] || printf 'deb %s %s-security main\n' "$security" "$suite"
} >"$rootfs/etc/apt/sources.list"
# No package lists or downloaded packages in the cache: apt-get update fetches fresh ones.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
printf '%s\n' "$tarball"
