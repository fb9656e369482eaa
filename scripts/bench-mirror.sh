#!/usr/bin/env bash
# bench-mirror.sh - a day on a mirror-shaped tree (issue 10): one pool shared by noble, noble-updates and
# noble-security (scripts/make-mirror-tree.sh), N packages (one directory each: 2N entries), then a 1% day (N/100
# packages added, N/100 upgraded, N/500 removed, indices rewritten). Prints each figure beside its yardstick, measured
# in the same run:
#   bundle of the day       against the floor: new files plus xdelta3 -9 byte deltas of the files changed in place,
#                           and beside the same day exported with --no-recompress
#   export and import       peak RSS (GNU time), against the 384 MiB target
#   import of the day       against rsync applying the same change to a copy of the tree, then sync (the import
#                           makes its generation durable before it publishes it: syncfs)
#   unchanged rescan        against rsync's quick check (-n) of the same tree
# Every timed step starts after a sync, so none pays for the write-back of the step before it.
#
#   scripts/bench-mirror.sh [WORK_DIR] [--packages N] [--no-plain] [--recompress-max SIZE] [--packaged]
#                           (default 300000: about 1 GB, 600,000 entries)
#   scripts/bench-mirror.sh [WORK_DIR] --packages N1,N2,... (the growth table: one full run per size, each tree
#                                                           deleted after its run, then one row per size)
# --no-plain: the suites ship only Packages.gz/.xz (as Ubuntu's archive), so the day's indices travel as plain-text deltas.
# --recompress-max SIZE: the exports rebuild on the inside only indices whose plain text is at most SIZE.
# --packaged: run the agents as scripts/package.sh ships them (self-contained, single file, composite ReadyToRun) instead of the
#             Release build run by dotnet; memory and the commands' start-up differ a little between the two.
# Timings depend on the machine's load: note it beside the figures. Exit 0 when the run completed (verdicts are
# printed, not enforced: some targets are not met yet, docs/benchmarks.md).
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -gt 0 && $1 != --* ]]; then work=$1; shift; else work=$(mktemp -d /var/tmp/sync-bench-mirror.XXXXXX); fi
packages=300000 row_file= tree_options=() export_options=() packaged=()
while (($#)); do
    case $1 in
        --no-plain) tree_options+=(--no-plain); shift ;;
        --recompress-max) export_options+=(--recompress-max "$2"); shift 2 ;;
        --packages) packages=$2; shift 2 ;;
        --packaged) packaged=(--packaged); shift ;;
        --row-file) row_file=$2; shift 2 ;;  # internal: where a run of the growth table appends its row
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[[ $packages =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "--packages takes a number or a list of numbers (50000,150000)" >&2; exit 2; }

if [[ $packages == *,* ]]; then
    # The growth table: each size in a directory of its own under WORK_DIR, deleted once its row is taken.
    mkdir -p "$work"
    rows=$work/growth.tsv
    : >"$rows"
    for n in ${packages//,/ }; do
        bash "${BASH_SOURCE[0]}" "$work/p$n" --packages "$n" "${tree_options[@]}" "${export_options[@]}" "${packaged[@]}" --row-file "$rows"
        rm -rf "$work/p$n"
    done
    printf '\ngrowth of peak RSS (MiB, GNU time) with the tree; commit %s\n' "$(git -C "$root" rev-parse --short HEAD)"
    printf '%9s %9s %12s %12s %12s %12s %16s\n' packages entries "export 1st" "import 1st" "export day" "import day" "load (1/5/15)"
    while IFS=$'\t' read -r p e x1 i1 x2 i2 load; do
        printf '%9d %9d %12d %12d %12d %12d %16s\n' "$p" "$e" "$x1" "$i1" "$x2" "$i2" "$load"
    done <"$rows"
    exit 0
fi

bash "$root/scripts/install-deps.sh" >/dev/null
rm -rf "$work"; mkdir -p "$work/drop"
if ((${#packaged[@]})); then
    # The executables scripts/package.sh puts in its packages, published into the work directory.
    for project in Sync.Outside Sync.Inside; do
        bash "$root/scripts/publish-agent.sh" "$project" "$work/bin" "$work/artifacts"
    done
    outside=("$work/bin/sync-outside")
    inside=("$work/bin/sync-inside")
else
    dotnet build "$root/Sync.sln" -c Release -v quiet -nologo >/dev/null
    outside=(dotnet "$root/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll")
    inside=(dotnet "$root/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll")
fi

# measure NAME CMD...: runs CMD after a sync, records its wall seconds and peak RSS (KiB) in $NAME_s and $NAME_kb.
measure() {
    local name=$1; shift
    sync
    /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@"
    read -r "${name}_s" "${name}_kb" <"$work/$name.time"
}

tree=$work/mirror
repo=$tree/repo
echo "building a mirror-shaped tree of $packages packages in $work ..."
bash "$root/scripts/make-mirror-tree.sh" init "$tree" --packages "$packages" "${tree_options[@]}"
entries=$(find "$repo" | wc -l)
"${outside[@]}" keygen --key "$work/key" >/dev/null
measure export1 "${outside[@]}" export --source "$repo" --state "$work/out" --key "$work/key" --drop "$work/drop" --quiet "${export_options[@]}" >"$work/export1.out"
measure import1 "${inside[@]}" import --drop "$work/drop" --target "$work/target" --state "$work/in" --trust "$work/key.pub" --quiet >/dev/null
cp -a "$repo" "$work/v1"
cp -a "$repo" "$work/rsync-copy"

touch "$work/before-the-day"
add=$((packages / 100)) upgrade=$((packages / 100)) remove=$((packages / 500))
bash "$root/scripts/make-mirror-tree.sh" update "$tree" --add "$add" --upgrade "$upgrade" --remove "$remove"

new_bytes=0 new_files=0 delta_bytes=0 changed_files=0
while IFS= read -r -d '' f; do
    rel=${f#"$repo/"}
    if [[ ! -e $work/v1/$rel ]]; then
        new_bytes=$((new_bytes + $(stat -c %s "$f"))); new_files=$((new_files + 1))
    elif ! cmp -s "$f" "$work/v1/$rel"; then
        delta_bytes=$((delta_bytes + $(xdelta3 -9 -e -c -D -R -s "$work/v1/$rel" "$f" | wc -c))); changed_files=$((changed_files + 1))
    fi
done < <(find "$repo" -type f -newer "$work/before-the-day" -print0)
floor=$((new_bytes + delta_bytes))

# The same day without recompression, from a copy of the outside's state, for the bytes it saves.
cp -a "$work/out" "$work/out-plain"; mkdir -p "$work/drop-plain"
"${outside[@]}" export --source "$repo" --state "$work/out-plain" --key "$work/key" --drop "$work/drop-plain" --no-recompress --quiet >/dev/null
plain_bundle=$(du -cb "$work"/drop-plain/sync-g00000002-* | tail -n 1 | cut -f1)
rm -rf "$work/out-plain" "$work/drop-plain"
measure export2 "${outside[@]}" export --source "$repo" --state "$work/out" --key "$work/key" --drop "$work/drop" --quiet "${export_options[@]}" >"$work/export2.out"
bundle=$(du -cb "$work"/drop/sync-g00000002-* | tail -n 1 | cut -f1)
rebuilt=$(grep -o '[0-9]* rebuilt by recompression' "$work/export2.out" | cut -d' ' -f1 || true)
measure import2 "${inside[@]}" import --drop "$work/drop" --target "$work/target" --state "$work/in" --trust "$work/key.pub" --quiet >/dev/null
# Not diff -r: the shared pool keeps a removed package's file while a kept snapshot names it (docs/apply.md).
"${inside[@]}" verify --target "$work/target" --state "$work/in" --quiet >/dev/null || { echo "FAIL: the published tree does not verify" >&2; exit 1; }
measure rsync_apply bash -c 'rsync -a --delete "$1/" "$2/" && sync' rsync-then-sync "$repo" "$work/rsync-copy"
measure rescan "${outside[@]}" scan --source "$repo" --state "$work/out" --quiet >/dev/null
measure rsync_check rsync -a -n --delete "$repo/" "$work/rsync-copy/"
manifest=$(grep -o 'manifest [0-9]* bytes[^;]*' "$work/export2.out" || true)

verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "met" : "NOT met" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
printf '\nmirror: %d packages, %d entries; the day: %d added, %d upgraded, %d removed (%d new files, %d changed in place)\n' \
    "$packages" "$entries" "$add" "$upgrade" "$remove" "$new_files" "$changed_files"
printf 'agents: %s; indices: %s%s; load: %s; commit %s\n\n' "$( ((${#packaged[@]})) && echo 'packaged (ReadyToRun)' || echo 'Release build (JIT)')" "$( ((${#tree_options[@]})) && echo 'compressed only (.gz, .xz)' || echo 'plain, .gz and .xz')" "${export_options[*]:+; exported with ${export_options[*]}}" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(git -C "$root" rev-parse --short HEAD)"
printf '%-34s %14s   %-40s %s\n' figure ours yardstick verdict
printf '%-34s %14d   %-40s %s\n' "bundle of the day (bytes)" "$bundle" "floor $floor (+1%: $((floor * 101 / 100)))" "$(verdict "$bundle" $((floor * 101 / 100)))"
printf '%-34s %14s   %-40s\n' "  of which the manifest" "${manifest:-?}" "(new files $new_bytes + byte deltas $delta_bytes)"
printf '%-34s %14d   %-40s\n' "  with --no-recompress (bytes)" "$plain_bundle" "${rebuilt:-0} indices rebuilt on the inside instead"
printf '%-34s %14s   %-40s %s\n' "export of the day, peak RSS (MiB)" "$(mib "$export2_kb")" "384" "$(verdict "$(mib "$export2_kb")" 384)"
printf '%-34s %14s   %-40s %s\n' "import of the day, peak RSS (MiB)" "$(mib "$import2_kb")" "384" "$(verdict "$(mib "$import2_kb")" 384)"
printf '%-34s %14s   %-40s %s\n' "import of the day (s)" "$import2_s" "rsync applying it to a copy, sync: $rsync_apply_s" "$(verdict "$import2_s" "$rsync_apply_s")"
printf '%-34s %14s   %-40s %s\n' "unchanged rescan (s)" "$rescan_s" "rsync quick check: $rsync_check_s" "$(verdict "$rescan_s" "$rsync_check_s")"
printf '%-34s %14s   %-40s\n' "first export / import (s)" "$export1_s / $import1_s" "peak RSS $(mib "$export1_kb") / $(mib "$import1_kb") MiB"
printf '%-34s %14s\n' "export of the day (s)" "$export2_s"
if [[ -n $row_file ]]; then
    printf '%d\t%d\t%s\t%s\t%s\t%s\t%s\n' "$packages" "$entries" "$(mib "$export1_kb")" "$(mib "$import1_kb")" \
        "$(mib "$export2_kb")" "$(mib "$import2_kb")" "$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >>"$row_file"
fi
