#!/usr/bin/env bash
# Scan, export and import speed beside the yardsticks on the same files in the same run: sha256sum for
# hashing, cp -a for import; an unchanged rescan of a 100k-file tree; peak memory on a multi-GB file.
# Figures, not assertions: this machine is shared and noisy, so run it more than once.
#
#   scripts/bench-speed.sh [WORK_DIR] [--big-gib N]
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-/tmp/sync-bench-speed}
shift || true
big_gib=3
while (($#)); do
    case $1 in
        --big-gib) big_gib=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

command -v /usr/bin/time >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
dotnet build "$root/Sync.sln" -c Release -v quiet -nologo >/dev/null
outside=(dotnet "$root/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll")
inside=(dotnet "$root/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll")

rm -rf "$work"; mkdir -p "$work"
secs() { local s=$EPOCHREALTIME; "$@" >/dev/null; awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f MiB/s", bytes / 1048576 / s }'; }

echo "== tree A: 6 x 256 MiB + 20000 x 16 KiB random files"
mkdir -p "$work/a/big" "$work/a/small"
for i in 1 2 3 4 5 6; do head -c 256M /dev/urandom >"$work/a/big/f$i"; done
for d in $(seq 1 100); do mkdir -p "$work/a/small/$d"; head -c 3200K /dev/urandom | split -b 16K -d -a 3 - "$work/a/small/$d/f"; done
bytes=$(du -sb "$work/a" | cut -f1)
find "$work/a" -type f -print0 | xargs -0 cat >/dev/null   # warm the page cache for both contestants

t=$(secs bash -c "find '$work/a' -type f -print0 | xargs -0 sha256sum")
echo "sha256sum (1 core):                 ${t} s  $(rate "$bytes" "$t")"
t=$(secs "${outside[@]}" scan --source "$work/a" --state "$work/state-a" --quiet)
echo "sync-outside scan, fresh (2 cores): ${t} s  $(rate "$bytes" "$t")"
t=$(secs "${outside[@]}" scan --source "$work/a" --state "$work/state-a" --quiet)
echo "sync-outside scan, unchanged:       ${t} s"

"${outside[@]}" keygen --key "$work/key" >/dev/null
mkdir -p "$work/drop"
t=$(secs "${outside[@]}" export --source "$work/a" --state "$work/state-a" --key "$work/key" --drop "$work/drop" --quiet)
echo "sync-outside export, full:          ${t} s  $(rate "$bytes" "$t") (cache warm: reads only what it sends)"
sync
# Import makes the generation durable (syncfs) before publishing it, so the yardstick includes a sync too.
t=$(secs bash -c "cp -a '$work/a' '$work/cp-copy'; sync")
echo "cp -a + sync of the same tree:      ${t} s  $(rate "$bytes" "$t")"
rm -rf "$work/cp-copy"
t=$(secs "${inside[@]}" import --drop "$work/drop" --target "$work/target" --state "$work/state-in" --trust "$work/key.pub" --quiet)
sync
echo "sync-inside import, full:           ${t} s  $(rate "$bytes" "$t") (verifies every chunk and part)"
rm -rf "$work/drop" "$work/state-in" "$work/target" "$work/a"

echo "== tree B: 100000 files of 1 KiB in 1000 directories"
for d in $(seq 1 1000); do mkdir -p "$work/b/$d"; head -c 100K /dev/urandom | split -b 1K -d -a 3 - "$work/b/$d/f"; done
t=$(secs "${outside[@]}" scan --source "$work/b" --state "$work/state-b" --quiet)
echo "sync-outside scan, fresh:           ${t} s"
t=$(secs "${outside[@]}" scan --source "$work/b" --state "$work/state-b" --quiet)
echo "sync-outside scan, unchanged:       ${t} s (reads no file content)"
rm -rf "$work/b"

echo "== tree C: one ${big_gib} GiB file"
mkdir -p "$work/c" "$work/drop-c"
head -c "${big_gib}G" /dev/urandom >"$work/c/huge.bin"
/usr/bin/time -f "sync-outside export: %e s, peak RSS %M KiB" "${outside[@]}" export --source "$work/c" --state "$work/state-c" --key "$work/key" --drop "$work/drop-c" --quiet >/dev/null
/usr/bin/time -f "sync-inside import:  %e s, peak RSS %M KiB" "${inside[@]}" import --drop "$work/drop-c" --target "$work/target-c" --state "$work/state-inc" --trust "$work/key.pub" --quiet >/dev/null
rm -rf "$work"
