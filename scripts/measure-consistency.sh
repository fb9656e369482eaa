#!/usr/bin/env bash
# measure-consistency.sh - what the outside's APT consistency guard costs against the scan it follows.
#
#   measure-consistency.sh REPO_TREE [RUNS]
#   measure-consistency.sh --synthetic DIR PACKAGES     write a mirror-shaped tree to measure on, then exit
#
# REPO_TREE is an APT tree (e.g. DIR/repo from `make-apt-repo.sh init DIR --packages 290 --size-kib 1000`, about
# 330 MB). For each run: a first export into a fresh state with the check and without it (--no-consistency-check),
# where every file is read and hashed, then a second export over the warm scan cache, where only the check reads
# anything. Prints wall times and the check's own time from its --verbose line. The page cache is left warm (it is
# not dropped: the machine is shared), so the figures are CPU cost, not disk reads.
#
# --synthetic writes DIR/repo shaped like one suite of a Debian mirror: PACKAGES small pool files (1-4 KiB) named by a
# Packages index (uncompressed and .gz, as reprepro writes them) whose stanzas are the size of Debian's (~800 bytes),
# and dists/stable/Release and InRelease listing both. Python 3 only; no signing (the check does not verify GPG).
set -euo pipefail
if [[ ${1:-} == --synthetic ]]; then
    DIR=${2:?usage: measure-consistency.sh --synthetic DIR PACKAGES} N=${3:?usage: measure-consistency.sh --synthetic DIR PACKAGES}
    python3 - "$DIR/repo" "$N" <<'PY'
import gzip, hashlib, os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
stanzas = []
for i in range(n):
    name = f"pkg{i:06d}"
    rel = f"pool/main/{name[3:5]}/{name}/{name}_1.0-1_amd64.deb"
    os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
    data = rng.randbytes(rng.randint(1024, 4096))
    with open(os.path.join(root, rel), "wb") as f:
        f.write(data)
    desc = " ".join(rng.choice(["lorem", "ipsum", "dolor", "sit", "amet", "package", "tool", "library"]) for _ in range(80))
    stanzas.append(
        f"Package: {name}\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: Nobody <nobody@example.invalid>\n"
        f"Installed-Size: {len(data) // 1024 + 1}\nDepends: libc6 (>= 2.36)\nFilename: {rel}\nSize: {len(data)}\n"
        f"MD5sum: {hashlib.md5(data).hexdigest()}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"
        f"Description: synthetic package {i}\n {desc}\n")
packages = "\n".join(stanzas).encode()
d = os.path.join(root, "dists/stable/main/binary-amd64")
os.makedirs(d, exist_ok=True)
open(os.path.join(d, "Packages"), "wb").write(packages)
open(os.path.join(d, "Packages.gz"), "wb").write(gzip.compress(packages, 6))
lines = []
for rel in ["main/binary-amd64/Packages", "main/binary-amd64/Packages.gz"]:
    b = open(os.path.join(root, "dists/stable", rel), "rb").read()
    lines.append(f" {hashlib.sha256(b).hexdigest()} {len(b)} {rel}")
release = "Codename: stable\nComponents: main\nArchitectures: amd64\nSHA256:\n" + "\n".join(lines) + "\n"
open(os.path.join(root, "dists/stable/Release"), "w").write(release)
open(os.path.join(root, "dists/stable/InRelease"), "w").write(
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + release + "-----BEGIN PGP SIGNATURE-----\n\nx\n-----END PGP SIGNATURE-----\n")
print(f"{root}: {n} packages, Packages {len(packages)} bytes")
PY
    exit 0
fi
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=${1:?usage: measure-consistency.sh REPO_TREE [RUNS]}
RUNS=${2:-3}
OUTSIDE=(dotnet "$HERE/../src/Sync.Outside/bin/Release/net10.0/sync-outside.dll")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"${OUTSIDE[@]}" keygen --key "$WORK/key" >/dev/null

export_once() { # LABEL STATE EXTRA...
    local label=$1 state=$2; shift 2
    mkdir -p "$WORK/drop"; rm -f "$WORK/drop"/*
    local start end check
    start=$(date +%s.%N)
    "${OUTSIDE[@]}" export --source "$REPO" --state "$state" --key "$WORK/key" --drop "$WORK/drop" --quiet --verbose "$@" \
        >"$WORK/out" 2>"$WORK/err"
    end=$(date +%s.%N)
    check=$(grep -o 'pool files in [0-9]* ms' "$WORK/err" | grep -o '[0-9]* ms' || echo '-')
    printf '%-28s %6.2f s   check: %s\n' "$label" "$(echo "$end - $start" | bc)" "$check"
}

printf 'tree: %s (%s), load: %s\n' "$REPO" "$(du -sh "$REPO" | cut -f1)" "$(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
    rm -rf "$WORK/s1" "$WORK/s2"
    export_once "run $run: first, checked" "$WORK/s1"
    export_once "run $run: first, unchecked" "$WORK/s2" --no-consistency-check
    export_once "run $run: again, checked" "$WORK/s1"
    export_once "run $run: again, unchecked" "$WORK/s2" --no-consistency-check
done
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
