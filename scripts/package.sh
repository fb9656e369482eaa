#!/usr/bin/env bash
# package.sh OUTDIR - builds sync-outside_<version>_amd64.deb and sync-inside_<version>_amd64.deb into OUTDIR.
#
# Each package holds its agent published self-contained as one composite ReadyToRun executable (the offline server
# has no .NET and cannot fetch one; ReadyToRun moves the first byte of every one-shot command sooner than JIT, and
# composite, the runtime compiled in with the agent, leaves the JIT little to do while a transfer runs:
# scripts/publish-agent.sh, scripts/bench-startup.sh, docs/benchmarks.md), its systemd units
# (deploy/systemd/), the _sync system user (sysusers.d), its state and drop folders (tmpfiles.d), the socket-buffer
# ceiling its UDP command needs (sysctl.d), an example environment file and README in /etc/sync/, and man pages
# generated from the agent's own --help (scripts/man-pages.sh).
# Depends are what the executable links (dpkg-shlibdeps) plus the OpenSSL it loads at run time.
# The version is VERSION's. With lintian installed, each package is checked and any error or warning fails the
# build (overrides, each explained, are in deploy/debian/*.lintian-overrides).
#
# Env: SYNC_PACKAGE_NO_LINTIAN=1 skips lintian (it takes about a minute per package on 2 cores);
#      SYNC_PACKAGE_ARTIFACTS: where the publish keeps its build outputs (default artifacts/package).
# Exit: 0 built; 1 failure (one line on stderr); 2 usage.
set -euo pipefail

die() { printf 'package: %s\n' "$*" >&2; exit 1; }
log() { printf 'package: %s\n' "$*" >&2; }
(($# == 1)) || { printf 'usage: %s OUTDIR\n' "${0##*/}" >&2; exit 2; }

root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
for tool in dotnet dpkg-deb dpkg-shlibdeps gzip; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/install-deps.sh installs dpkg-dev)"
done
version=$(tr -d '[:space:]' <"$root/VERSION")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION holds '$version', not MAJOR.MINOR.PATCH"

work=$(mktemp -d "${TMPDIR:-/tmp}/sync-package.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
# Build outputs of the RID-specific publish live apart from the solution's bin/ and obj/, kept between runs.
artifacts=${SYNC_PACKAGE_ARTIFACTS:-$root/artifacts/package}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
date_epoch=$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH=$date_epoch

# build AGENT PROJECT SUMMARY DESCRIPTION_FILE RESTART_UNITS
build() {
    local agent=$1 project=$2 summary=$3 long=$4 restart=$5
    local side=${agent#sync-} tree=$work/$agent
    log "$agent $version: publishing $project (self-contained, single file, composite ReadyToRun)"
    bash "$root/scripts/publish-agent.sh" "$project" "$work/publish-$agent" "$artifacts" --log "$work/publish-$agent.log" ||
        die "publishing $project failed (log: $work/publish-$agent.log)"
    [[ -x $work/publish-$agent/$agent ]] || die "publish made no $agent executable"
    # A smoke test before packaging: an incremental publish over outputs of another ReadyToRun mode once made an
    # executable that aborted at start.
    local reported
    reported=$("$work/publish-$agent/$agent" --version 2>&1) || true
    [[ $reported == "$version+"* || $reported == "$version" ]] ||
        die "the published $agent does not start ('$agent --version' said '${reported:0:200}'); remove $artifacts and retry"

    install -D -m 0755 "$work/publish-$agent/$agent" "$tree/usr/lib/$agent/$agent"
    install -d "$tree/usr/bin"
    ln -s "../lib/$agent/$agent" "$tree/usr/bin/$agent"
    install -D -m 0755 "$root/deploy/on-failure" "$tree/usr/lib/$agent/on-failure"

    # Units: Debian 12 keeps them under /lib (merged /usr or not).
    install -d "$tree/lib/systemd/system/$agent-.service.d"
    install -m 0644 "$root/deploy/systemd/$side"/*.service "$root/deploy/systemd/$side"/*.timer "$tree/lib/systemd/system/"
    compgen -G "$root/deploy/systemd/$side/*.path" >/dev/null && install -m 0644 "$root/deploy/systemd/$side"/*.path "$tree/lib/systemd/system/"
    install -m 0644 "$root/deploy/systemd/$side/$agent-.service.d"/*.conf "$tree/lib/systemd/system/$agent-.service.d/"
    install -D -m 0644 "$root/deploy/lib/sysusers.d/sync.conf" "$tree/usr/lib/sysusers.d/$agent.conf"
    install -D -m 0644 "$root/deploy/lib/tmpfiles.d/$agent.conf" "$tree/usr/lib/tmpfiles.d/$agent.conf"
    install -D -m 0644 "$root/deploy/lib/sysctl.d/60-$agent.conf" "$tree/usr/lib/sysctl.d/60-$agent.conf"

    # /etc/sync: the environment file the units pass on their command lines, the configuration file every unit reads
    # (SYNC_CONFIG, all commented out as shipped), both conffiles (dpkg keeps the operator's edits), and a README.
    install -D -m 0644 "$root/deploy/etc/$side.env" "$tree/etc/sync/$side.env"
    install -D -m 0644 "$root/deploy/etc/$side.json" "$tree/etc/sync/$side.json"
    install -D -m 0644 "$root/deploy/etc/README" "$tree/etc/sync/README.$agent"
    install -d "$tree/etc/sync/on-failure.d"

    local docs=$tree/usr/share/doc/$agent
    install -D -m 0644 "$root/deploy/debian/copyright" "$docs/copyright"
    install -m 0644 "$root/deploy/README.md" "$docs/README.md"
    printf '%s (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
        "$agent" "$version" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
        "$(sed -n 's/^Maintainer: //p' "$root/deploy/debian/control.in")" "$(date -u -R -d "@$date_epoch")" \
        | gzip -9n >"$docs/changelog.gz"
    if [[ -f $root/deploy/debian/$agent.lintian-overrides ]]; then
        install -D -m 0644 "$root/deploy/debian/$agent.lintian-overrides" "$tree/usr/share/lintian/overrides/$agent"
    fi

    bash "$root/scripts/man-pages.sh" "$tree/usr/lib/$agent/$agent" "$work/man-$agent"
    install -d "$tree/usr/share/man/man1"
    local page
    for page in "$work/man-$agent"/*.1; do
        gzip -9n <"$page" >"$tree/usr/share/man/man1/$(basename "$page").gz"
        chmod 0644 "$tree/usr/share/man/man1/$(basename "$page").gz"
    done

    # Control files.
    local debian=$tree/DEBIAN shlibs units mkdirs
    install -d "$debian"
    shlibs=$(cd "$work" && mkdir -p debian && printf 'Source: %s\n\nPackage: %s\nArchitecture: amd64\n' "$agent" "$agent" >debian/control &&
        dpkg-shlibdeps -O -e "$tree/usr/lib/$agent/$agent" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
    [[ -n $shlibs ]] || die "dpkg-shlibdeps found no dependency for $agent"
    units=$(find "$tree/lib/systemd/system" -maxdepth 1 -type f ! -name '*@*' \( -name '*.service' -o -name '*.timer' -o -name '*.path' \) -printf '%f\n' | sort | tr '\n' ' ')
    mkdirs=$(awk '$1 == "d" { printf "install -d -o %s -g %s -m %s %s; ", $4, $5, $3, $2 }' "$root/deploy/lib/tmpfiles.d/$agent.conf")
    local script
    for script in postinst prerm postrm; do
        sed -e "s|@PACKAGE@|$agent|g" -e "s|@AGENT@|$side|g" -e "s|@UNITS@|$units|g" -e "s|@RESTART@|$restart|g" \
            -e "s|@MKDIRS@|${mkdirs%; }|g" "$root/deploy/debian/$script.in" >"$debian/$script"
        chmod 0755 "$debian/$script"
    done
    (cd "$tree" && find etc -type f -printf '/%p\n' | sort) >"$debian/conffiles"
    (cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$debian/md5sums"
    local size
    size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
    sed -e "s|@PACKAGE@|$agent|" -e "s|@VERSION@|$version|" -e "s|@SIZE@|$size|" -e "s|@SHLIBS@|$shlibs|" \
        -e "s|@SUMMARY@|$summary|" "$root/deploy/debian/control.in" | sed -e "/^@DESCRIPTION@$/{r $long" -e 'd}' >"$debian/control"

    local deb=$out/${agent}_${version}_amd64.deb
    dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
    log "built $deb ($(du -h "$deb" | cut -f1))"
    if [[ ${SYNC_PACKAGE_NO_LINTIAN:-0} != 1 ]] && command -v lintian >/dev/null 2>&1; then
        log "lintian $agent"
        lintian --fail-on error,warning --tag-display-limit 0 "$deb" >&2 || die "lintian found problems in $deb (above)"
    fi
}

build sync-outside Sync.Outside "air-gap APT repository sync, online side" "$root/deploy/debian/sync-outside.description" \
    "sync-outside-serve.service sync-outside-carousel.service"
build sync-inside Sync.Inside "air-gap APT repository sync, offline side" "$root/deploy/debian/sync-inside.description" \
    "sync-inside-serve.service sync-inside-pull.service sync-inside-receive.service"
