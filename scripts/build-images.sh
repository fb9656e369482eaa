#!/usr/bin/env bash
# build-images.sh DEBDIR - builds the container images locally (no registry is reachable) from a Debian 12 root:
#
#   sync-debian:12           debootstrap --variant=minbase bookworm, imported with `docker import`: the base of the
#                            others, and the apt client of the tests and of deploy/compose.yaml
#   sync-outside:VERSION     the base + DEBDIR/sync-outside_VERSION_amd64.deb installed with apt (its Debian
#                            dependencies come from the archive); runs as the _sync user
#   sync-inside:VERSION      likewise with sync-inside_VERSION_amd64.deb
#   sync-web:VERSION         the base + Debian's nginx, serving /srv/mirror (the inside's published tree)
#
# Each is also tagged :latest. The debootstrap root is cached (scripts/debian-root.sh); the base image is
# imported again only when that root changed. Images build with the host's network (the Debian archive).
# Exit: 0 built; 1 failure (one line on stderr); 2 usage.
set -euo pipefail

die() { printf 'build-images: %s\n' "$*" >&2; exit 1; }
log() { printf 'build-images: %s\n' "$*" >&2; }
(($# == 1)) || { printf 'usage: %s DEBDIR\n' "${0##*/}" >&2; exit 2; }

root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
debs=$(cd "$1" && pwd)
version=$(tr -d '[:space:]' <"$root/VERSION")
for p in sync-outside sync-inside; do
    [[ -f $debs/${p}_${version}_amd64.deb ]] || die "no $debs/${p}_${version}_amd64.deb (bash scripts/package.sh $1)"
done
command -v docker >/dev/null 2>&1 || die "no docker client (apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "no Docker daemon answers (bash scripts/docker-daemon.sh start)"
export DOCKER_BUILDKIT=0 # Debian's docker.io has no buildx; the classic builder needs no registry either

seconds() { printf '%d s' $((SECONDS - $1)); }

start=$SECONDS
tarball=$(bash "$root/scripts/debian-root.sh") || exit 1
# The cache file's name carries its key; an image imported from it says so in a label.
key=$(basename "$tarball" .tar)
if [[ $(docker image inspect --format '{{index .Config.Labels "sync.base"}}' sync-debian:12 2>/dev/null || true) != "$key" ]]; then
    docker import --change "LABEL sync.base=$key" --change 'CMD ["/bin/bash"]' \
        --change 'ENV LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive' "$tarball" sync-debian:12 >/dev/null
    log "imported sync-debian:12 from $tarball"
fi
log "sync-debian:12 ready in $(seconds "$start")"

context=$(mktemp -d /var/tmp/sync-images.XXXXXX)
trap 'rm -rf -- "$context" "$context.log"' EXIT
for image in outside inside web; do
    start=$SECONDS
    rm -rf "${context:?}"/*
    cp -r "$root/deploy/images/$image/." "$context/"
    [[ $image == web ]] || cp "$debs/sync-${image}_${version}_amd64.deb" "$context/"
    previous=$(docker image inspect --format '{{.Id}}' "sync-$image:$version" 2>/dev/null || true)
    docker build --network host --force-rm --quiet --build-arg "VERSION=$version" \
        -t "sync-$image:$version" -t "sync-$image:latest" "$context" >"$context.log" 2>&1 ||
        { tail -n 20 "$context.log" >&2; die "docker build of sync-$image failed"; }
    # The image this one replaced would stay behind untagged on every CI run: remove it unless still in use.
    if [[ -n $previous && $previous != "$(docker image inspect --format '{{.Id}}' "sync-$image:$version")" ]]; then
        docker image rm "$previous" >/dev/null 2>&1 || true
    fi
    log "built sync-$image:$version in $(seconds "$start")"
done
rm -f "$context.log"
