#!/usr/bin/env bash
# check-units.sh DEBDIR - installs both packages into a Debian 12 root that has systemd (scripts/debian-root.sh
# systemd) and checks every unit they ship, as installed, with that systemd (252):
#   systemd-analyze verify                 every service, timer and path unit, and the failure hook's template
#                                          through one instance: syntax, executables, referenced units, man pages;
#   systemd-analyze security --offline=yes every service: its exposure level must not exceed SYNC_UNIT_EXPOSURE
#                                          (default 2.0 on systemd's 0-10 scale, where a service with no sandbox
#                                          scores 9.6 and the units before these scored 4.3; deploy/README.md).
#   path units                             only edge-triggered conditions (PathChanged=, PathModified=): the
#                                          level-triggered ones (PathExists=, PathExistsGlob=, DirectoryNotEmpty=)
#                                          are checked again each time the service exits (systemd >= 246), so a
#                                          service that leaves its trigger in place (import leaves applied bundles
#                                          where they are) is started again forever.
#   options                                every option a service's ExecStart= passes is in its command's --help.
#   configuration                          the installed /etc/sync/*.json files are read without error.
# The root is extracted afresh each time and deleted at the end; apt-get in it reaches the Debian archive.
# Exit: 0 every unit passed; 1 a unit failed (each problem on stderr) or the check could not run; 2 usage.
set -euo pipefail

die() { printf 'check-units: %s\n' "$*" >&2; exit 1; }
log() { printf 'check-units: %s\n' "$*" >&2; }
(($# == 1)) || { printf 'usage: %s DEBDIR\n' "${0##*/}" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || die "needs root (chroot)"

root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
debs=$(cd "$1" && pwd)
version=$(tr -d '[:space:]' <"$root/VERSION")
threshold=${SYNC_UNIT_EXPOSURE:-2.0}
tarball=$(bash "$root/scripts/debian-root.sh" systemd) || exit 1

chroot_dir=$(mktemp -d /var/tmp/sync-units.XXXXXX)
cleanup() {
    umount "$chroot_dir/proc" 2>/dev/null || true
    rm -rf -- "$chroot_dir"
}
trap cleanup EXIT
tar -C "$chroot_dir" -xf "$tarball"
cp /etc/resolv.conf /etc/hosts "$chroot_dir/etc/"
mount -t proc proc "$chroot_dir/proc"
cp "$debs/sync-outside_${version}_amd64.deb" "$debs/sync-inside_${version}_amd64.deb" "$chroot_dir/tmp/"
in_root() { chroot "$chroot_dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get -qq update >/dev/null || die "apt-get update failed in the root"
# man-db: verify checks each unit's Documentation=man:... page exists.
in_root apt-get -qq install -y --no-install-recommends man-db "/tmp/sync-outside_${version}_amd64.deb" "/tmp/sync-inside_${version}_amd64.deb" \
    >"$chroot_dir/tmp/install.log" 2>&1 || { tail -n 20 "$chroot_dir/tmp/install.log" >&2; die "installing the packages failed"; }

# What the units run as and write to, as the packages made them.
owners=$(in_root stat -c '%n %U:%G' /var/lib/sync-outside /var/spool/sync-outside /var/lib/sync-inside /var/spool/sync-inside 2>&1) ||
    die "the packages did not create their folders: $owners"
grep -v ' _sync:_sync$' <<<"$owners" >&2 && die "folders not owned by _sync:_sync (above)"

units=$(cd "$chroot_dir/lib/systemd/system" && ls -- sync-*.service sync-*.timer sync-*.path)
failed=0
for unit in $units; do
    name=$unit
    # A template is checked through an instance: the failure hook of the export unit.
    [[ $unit == *@.service ]] && name=${unit%@.service}@${unit%%-failure@.service}-export.service.service
    if ! output=$(in_root systemd-analyze verify "$name" 2>&1) || [[ -n $output ]]; then
        printf 'check-units: %s: systemd-analyze verify:\n%s\n' "$unit" "$output" >&2
        failed=1
    fi
done
log "systemd-analyze verify: $(wc -w <<<"$units") units checked"

for unit in $units; do
    [[ $unit == *.path ]] || continue
    if level=$(grep -E '^[[:space:]]*(PathExists|PathExistsGlob|DirectoryNotEmpty)=' "$chroot_dir/lib/systemd/system/$unit"); then
        printf 'check-units: %s: level-triggered "%s" starts its service again every time it exits while the condition holds\n' \
            "$unit" "$level" >&2
        failed=1
    fi
done

# Every option a unit passes exists in the installed agent's own help for that command: a renamed or removed option
# would otherwise surface only on the server, as a unit failing with exit 2. This also runs each installed agent
# in a root with no .NET.
options=0
for unit in $units; do
    [[ $unit == *.service ]] || continue
    # ExecStart= with its continuation lines joined: "/usr/bin/AGENT COMMAND --option ...".
    exec_start=$(awk '/^ExecStart=/ { on = 1 } on { line = line " " $0; if (!/\\$/) on = 0 } END { print line }' \
        "$chroot_dir/lib/systemd/system/$unit" | tr -d '\\' | sed 's/^ *ExecStart=//')
    read -r binary command _ <<<"$exec_start"
    [[ $binary == /usr/bin/sync-* ]] || continue
    if ! help=$(in_root "$binary" "$command" --help 2>&1); then
        printf 'check-units: %s: "%s %s --help" failed:\n%s\n' "$unit" "$binary" "$command" "${help:0:400}" >&2
        failed=1
        continue
    fi
    for option in $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$exec_start" | sort -u); do
        options=$((options + 1))
        grep -qE -- "(^|[ ,])$option([ ,=<]|$)" <<<"$help" ||
            { printf 'check-units: %s: %s %s has no option %s\n' "$unit" "${binary##*/}" "$command" "$option" >&2; failed=1; }
    done
done
log "options: $options passed by the services, each checked against its command's --help"

# The configuration files every unit reads (SYNC_CONFIG, 20-config.conf), as installed, are accepted by the installed
# agents: a command that reads its configuration and touches nothing.
for check in "sync-outside fec-plan --loss 0.05 --rate 1G" "sync-inside status --state /var/lib/sync-inside"; do
    side=${check%% *}; side=${side#sync-}
    # shellcheck disable=SC2086 # the check is a command line
    output=$(in_root env SYNC_CONFIG="/etc/sync/$side.json" /usr/bin/$check 2>&1) ||
        { printf 'check-units: /etc/sync/%s.json: "%s" refused it:\n%s\n' "$side" "$check" "$output" >&2; failed=1; }
done
log "configuration: /etc/sync/outside.json and /etc/sync/inside.json read by the installed agents"

printf '%-36s %s\n' unit exposure
for unit in $units; do
    [[ $unit == *.service ]] || continue
    name=$unit
    [[ $unit == *@.service ]] && name=${unit%@.service}@x.service
    report=$(in_root systemd-analyze security --offline=yes --threshold=100 "$name" 2>&1) || true
    level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$report")
    [[ -n $level ]] || { printf 'check-units: %s: no exposure level in:\n%s\n' "$unit" "$report" >&2; failed=1; continue; }
    printf '%-36s %s\n' "$unit" "$level"
    if awk -v l="$level" -v t="$threshold" 'BEGIN { exit !(l > t) }'; then
        printf 'check-units: %s: exposure %s is above %s:\n%s\n' "$unit" "$level" "$threshold" \
            "$(grep '✗' <<<"$report" | head -n 30)" >&2
        failed=1
    fi
done
((failed == 0)) || die "some units failed (above)"
log "every unit verified; every service's exposure is at most $threshold"
