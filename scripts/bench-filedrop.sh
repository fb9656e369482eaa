#!/usr/bin/env bash
# The file-drop carrier beside `cp -a` + `sync` of the same data, in the same run: export and import of a first
# generation and of a 1% day, on two trees:
#   apt      a real signed reprepro repository of about 325 MB (scripts/make-apt-repo.sh, --apt-packages 560 of
#            512 KiB on average), the size of the sample issue 13 was measured on; its day adds N/100 packages,
#            upgrades N/100 and removes N/500 (reprepro rewrites its indices, db and signatures).
#   mirror   a mirror-shaped tree (scripts/make-mirror-tree.sh, --mirror-packages 100000: 2N pool entries in three
#            suites); its day adds N/100, upgrades N/100 and removes N/500, every index rewritten.
#
#   scripts/bench-filedrop.sh [--work DIR] [--apt-packages N] [--mirror-packages N] [--trees "apt mirror"] [--keep]
#
# Each row: wall time, MB/s of the data it moves (1 MB = 10^6 bytes), and peak RSS (GNU time), beside the yardstick.
#   export   `sync-outside export` from a cold state (first generation: scan included, as a user runs it; the day:
#            from the first generation's state, its scan cache current), followed by `sync`, so the bundle is on disk.
#   import   `sync-inside import` of that bundle into a fresh inside (the day: the inside at the first generation);
#            it makes the generation durable before it publishes, and `sync` follows it as it follows cp.
#   cp -a + sync   of the same data: the whole tree for the first generation; for the day, the files the day added or
#            changed (found by content against a copy taken before it), copied with their directories.
# MB/s is the tree's bytes (first generation) or the day's added and changed bytes over the row's time. The page
# cache is not dropped (it is the machine's, shared); every contestant reads what the previous step wrote.
# Prints the table with the date, commit and load. Work files go to --work (default /var/tmp/sync-bench-filedrop,
# deleted at the end unless --keep). Exit: 0 done; 1 failure; 2 usage.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

work=/var/tmp/sync-bench-filedrop apt_packages=560 mirror_packages=100000 trees="apt mirror" keep=0
while (($#)); do
    case $1 in
        --work) work=$2; shift 2 ;;
        --apt-packages) apt_packages=$2; shift 2 ;;
        --mirror-packages) mirror_packages=$2; shift 2 ;;
        --trees) trees=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "bench-filedrop.sh: unknown option $1 (see the top of the script)" >&2; exit 2 ;;
    esac
done
[[ $apt_packages =~ ^[1-9][0-9]*$ && $mirror_packages =~ ^[1-9][0-9]*$ ]] ||
    { echo "bench-filedrop.sh: --apt-packages and --mirror-packages take positive counts" >&2; exit 2; }
die() { printf 'bench-filedrop: %s\n' "$*" >&2; exit 1; }
log() { printf 'bench-filedrop: %s\n' "$*" >&2; }

bash "$root/scripts/install-deps.sh" reprepro dpkg-dev gnupg xz-utils rsync time >/dev/null
dotnet build "$root/src/Sync.Outside" -c Release -v quiet -nologo >/dev/null
dotnet build "$root/src/Sync.Inside" -c Release -v quiet -nologo >/dev/null
outside=(dotnet "$root/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll")
inside=(dotnet "$root/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll")

trap '((keep)) || rm -rf -- "$work"' EXIT
rm -rf -- "$work"; mkdir -p "$work"
"${outside[@]}" keygen --key "$work/key" >/dev/null

rows=()
# measure LABEL BYTES CMD...: runs CMD then sync under GNU time; adds a row "LABEL seconds MB/s peak-RSS-MiB".
measure() {
    local label=$1 bytes=$2; shift 2
    /usr/bin/time -f '%e %M' -o "$work/time" bash -c '"$@" >/dev/null && sync' bash "$@" ||
        die "$label failed: $(tail -n 3 "$work/time" | head -c 300)"
    local secs kib
    read -r secs kib <"$work/time"
    rows+=("$(awk -v l="$label" -v s="$secs" -v b="$bytes" -v k="$kib" 'BEGIN { s = (s < 0.01 ? 0.01 : s); printf "%-44s %8.2f s %9.1f MB/s %7.0f MiB", l, s, b / 1e6 / s, k / 1024 }')")
    log "${rows[-1]}"
}
# cp of what the day added or changed: the files whose content differs from the copy taken before the day.
changed_files() { rsync -rcn --out-format='%n' "$1/" "$2/" | grep -v '/$' || true; }

for tree in $trees; do
    t=$work/$tree
    case $tree in
        apt)
            log "apt: building a signed reprepro repository of $apt_packages packages"
            bash "$root/scripts/make-apt-repo.sh" init "$t" --packages "$apt_packages" --size-kib 512 >/dev/null
            src=$t/repo n=$apt_packages ;;
        mirror)
            log "mirror: building a mirror-shaped tree of $mirror_packages packages"
            bash "$root/scripts/make-mirror-tree.sh" init "$t" --packages "$mirror_packages" >/dev/null
            src=$t/repo n=$mirror_packages ;;
        *) die "unknown tree $tree (apt or mirror)" ;;
    esac
    bytes=$(du -sb --apparent-size "$src" | cut -f1)
    files=$(find "$src" -type f | wc -l)
    rows+=("$tree: $files files, $bytes bytes; first generation")
    sync

    mkdir -p "$t/drop1" "$t/drop2"
    measure "  sync-outside export" "$bytes" "${outside[@]}" export --source "$src" --state "$t/out" --key "$work/key" --drop "$t/drop1" --quiet
    measure "  sync-inside import" "$bytes" "${inside[@]}" import --drop "$t/drop1" --target "$t/target" --state "$t/in" --trust "$work/key.pub" --quiet
    measure "  cp -a + sync (yardstick)" "$bytes" cp -a "$src" "$t/cp1"
    rm -rf "$t/cp1"

    # The day, and the data it moves.
    cp -a "$src" "$t/before"
    add=$((n / 100)) upgrade=$((n / 100)) remove=$((n / 500))
    ((add > 0)) || add=1
    ((upgrade > 0)) || upgrade=1
    ((remove > 0)) || remove=1
    case $tree in
        apt) bash "$root/scripts/make-apt-repo.sh" update "$t" --add "$add" --upgrade "$upgrade" --remove "$remove" >/dev/null ;;
        mirror) bash "$root/scripts/make-mirror-tree.sh" update "$t" --add "$add" --upgrade "$upgrade" --remove "$remove" >/dev/null ;;
    esac
    changed_files "$src" "$t/before" >"$t/changed"
    rm -rf "$t/before"
    day_bytes=$(cd "$src" && tr '\n' '\0' <"$t/changed" | xargs -0 -r stat -c %s | awk '{ s += $1 } END { print s + 0 }')
    rows+=("$tree: a 1% day (+$add, ^$upgrade, -$remove): $(wc -l <"$t/changed") files added or changed, $day_bytes bytes")
    sync
    measure "  sync-outside export" "$day_bytes" "${outside[@]}" export --source "$src" --state "$t/out" --key "$work/key" --drop "$t/drop2" --quiet
    rows+=("    (its bundle: $(du -cb "$t/drop2" | tail -n 1 | cut -f1) bytes)")
    measure "  sync-inside import" "$day_bytes" "${inside[@]}" import --drop "$t/drop2" --target "$t/target" --state "$t/in" --trust "$work/key.pub" --quiet
    measure "  cp -a + sync of its files (yardstick)" "$day_bytes" bash -c 'cd "$1" && tr "\n" "\0" <"$2" | xargs -0 -r cp -a --parents -t "$3"' bash "$src" "$t/changed" "$(mkdir -p "$t/cp2" && echo "$t/cp2")"
    rm -rf "$t"
done

printf '\nfile drop, %s, commit %s, load %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(git -C "$root" rev-parse --short HEAD)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %10s %14s %11s\n' '' 'wall' 'rate' 'peak RSS'
printf '%s\n' "${rows[@]}"
