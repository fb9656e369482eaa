#!/usr/bin/env bash
# Bundle size on a realistic reprepro update, against the floor: the new files plus byte deltas (xdelta3 -9)
# of the files reprepro changed in place. Prints the figures and fails when the bundle exceeds that floor by
# more than 1%.
#
#   scripts/bench-delta.sh [WORK_DIR] [--packages N] [--size-kib K]
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$(mktemp -d /tmp/sync-bench-delta.XXXXXX)}
shift || true
packages=150
size_kib=512
while (($#)); do
    case $1 in
        --packages) packages=$2; shift 2 ;;
        --size-kib) size_kib=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

bash "$root/scripts/install-deps.sh"
dotnet build "$root/Sync.sln" -c Release -v quiet -nologo >/dev/null
outside=(dotnet "$root/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll")
inside=(dotnet "$root/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll")

rm -rf "$work"; mkdir -p "$work/drop"
repo=$work/apt
bash "$root/scripts/make-apt-repo.sh" init "$repo" --packages "$packages" --size-kib "$size_kib" >/dev/null
"${outside[@]}" keygen --key "$work/key" >/dev/null
"${outside[@]}" export --source "$repo/repo" --state "$work/out" --key "$work/key" --drop "$work/drop" --quiet >/dev/null
"${inside[@]}" import --drop "$work/drop" --target "$work/target" --state "$work/in" --trust "$work/key.pub" --quiet >/dev/null
cp -a "$repo/repo" "$work/v1"

# A realistic update: about 7% of packages added, 3% removed, 13% upgraded; indices and db/ rewritten, re-signed.
bash "$root/scripts/make-apt-repo.sh" update "$repo" --add $((packages * 7 / 100)) --remove $((packages * 3 / 100)) --upgrade $((packages * 13 / 100)) >/dev/null

new_bytes=0 new_files=0 delta_bytes=0 delta_decomp=0 changed_files=0 changed_bytes=0
while IFS= read -r -d '' f; do
    rel=${f#"$repo/repo/"}
    if [[ ! -e $work/v1/$rel ]]; then
        new_bytes=$((new_bytes + $(stat -c %s "$f"))); new_files=$((new_files + 1))
    elif ! cmp -s "$f" "$work/v1/$rel"; then
        # -D -R: a plain byte delta (xdelta3 would otherwise decompress .gz/.xz inputs and recompress).
        d=$(xdelta3 -9 -e -c -D -R -s "$work/v1/$rel" "$f" | wc -c)
        dz=$(xdelta3 -9 -e -c -s "$work/v1/$rel" "$f" 2>/dev/null | wc -c)
        delta_bytes=$((delta_bytes + d)); delta_decomp=$((delta_decomp + dz)); changed_files=$((changed_files + 1)); changed_bytes=$((changed_bytes + $(stat -c %s "$f")))
    fi
done < <(find "$repo/repo" -type f -print0)

"${outside[@]}" export --source "$repo/repo" --state "$work/out" --key "$work/key" --drop "$work/drop" --quiet
bundle=$(du -cb "$work"/drop/sync-g00000002-* | tail -n 1 | cut -f1)
"${inside[@]}" import --drop "$work/drop" --target "$work/target" --state "$work/in" --trust "$work/key.pub" --quiet >/dev/null
bash "$root/scripts/make-apt-repo.sh" check "$work/target" "$repo/gnupg" >/dev/null

floor=$((new_bytes + delta_bytes))
repo_bytes=$(du -sb "$repo/repo" | cut -f1)
awk -v repo="$repo_bytes" -v nf="$new_files" -v nb="$new_bytes" -v cf="$changed_files" -v cb="$changed_bytes" \
    -v db="$delta_bytes" -v dz="$delta_decomp" -v floor="$floor" -v bundle="$bundle" 'BEGIN {
    printf "repository after update:       %12d bytes\n", repo
    printf "new files:                     %12d bytes (%d files)\n", nb, nf
    printf "changed in place:              %12d bytes (%d files)\n", cb, cf
    printf "  byte deltas (xdelta3 -9 -D -R):  %8d bytes\n", db
    printf "  (xdelta3 -9 decompressing .gz/.xz: %d bytes; new + these = %d, bundle %+.2f%%)\n", dz, nb + dz, 100 * (bundle - nb - dz) / (nb + dz)
    printf "floor (new + byte deltas):     %12d bytes\n", floor
    printf "bundle (parts + index):        %12d bytes\n", bundle
    printf "bundle / floor:                %12.4f (%+.2f%%)\n", bundle / floor, 100 * (bundle - floor) / floor
    printf "bundle / whole changed files:  %12.4f\n", bundle / (nb + cb)
    exit (bundle <= floor * 1.01) ? 0 : 1
}' && echo "PASS: bundle within 1% of new files + byte deltas" || { echo "FAIL: bundle more than 1% above the floor"; exit 1; }
