#!/usr/bin/env bash
# make-mirror-tree.sh - build and update a tree shaped like an Ubuntu mirror at scale, fast, for the mirror-scale
# benchmark (scripts/bench-mirror.sh): one pool shared by three suites (noble, noble-updates, noble-security), one
# directory per source package as reprepro lays it out, Packages indices with .gz and .xz per suite compressed as
# reprepro compresses them, and Release
# files listing every index with its size and SHA256, as apt reads them. Pool files are stand-ins of about 2.7 KB
# (unique bytes each) rather than real .deb files, so 300,000 of them take a minute, not a day of reprepro.
#
#   make-mirror-tree.sh init   DIR --packages N [--no-plain]
#   make-mirror-tree.sh update DIR [--add N] [--remove N] [--upgrade N]
#
# --no-plain: the suites ship only Packages.gz and Packages.xz, as Ubuntu's archive does (no plain Packages); kept
# for every update of that tree.
# DIR/repo is the tree; DIR/packages.tsv lists the pool (suite, name, version, path); DIR/state holds counters.
# Deterministic: the same commands give the same bytes. Needs gawk or mawk, python3 (its zlib is the system's), xz,
# sha256sum.
# Exit codes: 0 ok; 1 failure; 2 usage error.
set -euo pipefail
PROG=${0##*/}
die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
usage() { printf 'usage: %s init DIR --packages N [--no-plain] | update DIR [--add N] [--remove N] [--upgrade N]\n' "$PROG" >&2; exit 2; }

(($# >= 2)) || usage
command=$1 dir=$2
shift 2
packages=0 add=0 remove=0 upgrade=0 no_plain=0
while (($#)); do
    case $1 in
        --no-plain) no_plain=1; shift ;;
        --packages) packages=$2; shift 2 ;;
        --add) add=$2; shift 2 ;;
        --remove) remove=$2; shift 2 ;;
        --upgrade) upgrade=$2; shift 2 ;;
        *) usage ;;
    esac
done
repo=$dir/repo

# write_files TSV: creates every pool file the TSV (suite name version path) names that does not exist yet.
write_files() {
    awk -F '\t' -v root="$repo" '
        function content(seed,   s, i, x) {
            # A small LCG, so every file has its own bytes (a real pool never repeats a .deb) of about 2.7 KB.
            x = seed; s = ""
            for (i = 0; i < 42; i++) { x = (x * 1103515245 + 12345) % 2147483648; s = s sprintf("%08x%08x%08x%08x%08x%08x%08x%08x\n", x, x * 3 % 2147483648, x * 5 % 2147483648, x * 7 % 2147483648, x * 11 % 2147483648, x * 13 % 2147483648, x * 17 % 2147483648, x * 19 % 2147483648) }
            return s
        }
        { file = root "/" $4; printf "%s", content($5) > file; close(file) }' "$1"
}

# indices: rewrites every suite's Packages (+ .gz, .xz) and Release from packages.tsv, with real sizes and hashes.
indices() {
    local suite
    (cd "$repo" && cut -f4 "$dir/packages.tsv" | sort -u | xargs -r sha256sum) | awk '{ print $2 "\t" $1 }' | sort >"$dir/hashes.tsv"
    for suite in noble noble-updates noble-security; do
        local out=$repo/dists/$suite/main/binary-amd64
        mkdir -p "$out"
        awk -F '\t' -v suite="$suite" 'NR == FNR { hash[$1] = $2; next }
            $1 == suite {
                # Every stand-in is 42 lines of 65 bytes.
                printf "Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: Mirror Bench <bench@example.invalid>\nInstalled-Size: 12\nFilename: %s\nSize: 2730\nSHA256: %s\nSection: misc\nPriority: optional\nDescription: stand-in package %s of the mirror benchmark\n\n", $2, $3, $4, hash[$4], $2
            }' "$dir/hashes.tsv" "$dir/packages.tsv" >"$out/Packages"
        # As reprepro writes them: .gz through the system zlib at its default level (gzip header with no name, mtime 0,
        # OS 3), .xz through liblzma at preset 9 (checked byte for byte against reprepro by tests/Sync.Integration.Tests).
        python3 -c 'import sys, zlib; c = zlib.compressobj(6, zlib.DEFLATED, 31); sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())' \
            <"$out/Packages" >"$out/Packages.gz"
        xz -9 -T1 -c "$out/Packages" >"$out/Packages.xz"
        local listed=(main/binary-amd64/Packages main/binary-amd64/Packages.gz main/binary-amd64/Packages.xz)
        if [[ -f $dir/state.no-plain ]]; then
            rm -f "$out/Packages"; listed=("${listed[@]:1}")
        fi
        {
            printf 'Origin: Mirror Bench\nSuite: %s\nCodename: %s\nDate: %s\nArchitectures: amd64\nComponents: main\nSHA256:\n' \
                "$suite" "$suite" "$(date -u -d "@$((1700000000 + $(cat "$dir/state.updates") * 86400))" '+%a, %d %b %Y %H:%M:%S UTC')"
            (cd "$repo/dists/$suite" && for f in "${listed[@]}"; do
                printf ' %s %16d %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"; done)
        } >"$repo/dists/$suite/Release"
    done
}

case $command in
    init)
        ((packages > 0)) || usage
        rm -rf "$dir"; mkdir -p "$repo/pool/main"
        echo 0 >"$dir/state.updates"; echo "$packages" >"$dir/state.next"
        if ((no_plain)); then touch "$dir/state.no-plain"; fi
        # noble holds every package at version 1; updates and security hold newer versions of some (from update).
        awk -v n="$packages" 'BEGIN { for (i = 0; i < n; i++) { name = sprintf("pkg%06d", i); d = substr(name, 4, 2)
            printf "noble\t%s\t1.0-1\tpool/main/%s/%s/%s_1.0-1_amd64.deb\t%d\n", name, d, name, name, i * 7 + 1 } }' >"$dir/packages.tsv"
        cut -f4 "$dir/packages.tsv" | sed 's|/[^/]*$||' | sort -u | (cd "$repo" && xargs mkdir -p)
        write_files "$dir/packages.tsv"
        indices
        ;;
    update)
        [[ -f $dir/state.next ]] || die "no tree in $dir (run init first)"
        next=$(cat "$dir/state.next"); updates=$(($(cat "$dir/state.updates") + 1)); echo "$updates" >"$dir/state.updates"
        # Upgrades land in noble-updates (one in four also in noble-security) as a new pool file beside the old one;
        # the previous noble-updates version of that package leaves the pool. Additions go to noble-updates; removals
        # take packages out of noble (and their files out of the pool).
        awk -F '\t' -v OFS='\t' -v add="$add" -v remove="$remove" -v upgrade="$upgrade" -v next_id="$next" -v u="$updates" '
            { line[NR] = $0; suite[NR] = $1; name[NR] = $2; n = NR }
            END {
                count = 0; for (i = 1; i <= n; i++) if (suite[i] == "noble") count++
                step_up = upgrade > 0 ? int(count / upgrade) : 0; step_rm = remove > 0 ? int(count / remove) : 0
                k = 0
                for (i = 1; i <= n; i++) {
                    if (suite[i] != "noble") continue
                    k++
                    if (step_rm > 0 && (k + u) % step_rm == 0 && removed < remove) { removed++; gone[name[i]] = 1; continue }
                    if (step_up > 0 && (k + 2 * u) % step_up == 0 && upgraded < upgrade) { upgraded++; up[name[i]] = 1 }
                }
                for (i = 1; i <= n; i++) {
                    split(line[i], f, "\t")
                    if (gone[f[2]]) continue
                    if (f[1] != "noble" && up[f[2]]) continue   # superseded by this upgrade
                    print line[i]
                }
                for (nm in up) {
                    d = substr(nm, 4, 2); v = sprintf("1.0-%d", u + 1)
                    printf "noble-updates\t%s\t%s\tpool/main/%s/%s/%s_%s_amd64.deb\t%d\n", nm, v, d, nm, nm, v, u * 1000003 + substr(nm, 4) + 0
                    if (++j % 4 == 1) printf "noble-security\t%s\t%s\tpool/main/%s/%s/%s_%s_amd64.deb\t%d\n", nm, v, d, nm, nm, v, u * 1000003 + substr(nm, 4) + 0
                }
                for (i = 0; i < add; i++) {
                    nm = sprintf("pkg%06d", next_id + i); d = substr(nm, 4, 2)
                    printf "noble-updates\t%s\t1.0-1\tpool/main/%s/%s/%s_1.0-1_amd64.deb\t%d\n", nm, d, nm, nm, (next_id + i) * 7 + 1
                }
            }' "$dir/packages.tsv" >"$dir/packages.new"
        echo $((next + add)) >"$dir/state.next"
        # Files no suite names any more leave the pool; new ones are written.
        comm -23 <(cut -f4 "$dir/packages.tsv" | sort -u) <(cut -f4 "$dir/packages.new" | sort -u) | (cd "$repo" && xargs -r rm -f)
        mv "$dir/packages.new" "$dir/packages.tsv"
        (cd "$repo" && find pool -type d -empty -delete)
        cut -f4 "$dir/packages.tsv" | sed 's|/[^/]*$||' | sort -u | (cd "$repo" && xargs mkdir -p)
        awk -F '\t' -v root="$repo" '{ if ((getline _ < (root "/" $4)) < 0) print; else close(root "/" $4) }' "$dir/packages.tsv" >"$dir/missing.tsv"
        write_files "$dir/missing.tsv"
        indices
        ;;
    *) usage ;;
esac
