#!/usr/bin/env bash
# Fuzzes every decoder that reads bytes from outside the process (tests/Sync.Fuzz) under afl-fuzz, each target for a
# bounded time. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each, every target; docs/fuzzing.md)
#
# Builds the fuzz program, instruments the product assemblies with SharpFuzz (a dotnet tool of .config/), runs each
# target from its seed corpus (tests/Sync.Fuzz/corpus/TARGET), prints one line per target (executions, paths,
# crashes, hangs) and exits 1 when any target found a crash or a hang, 2 on a usage error. What afl-fuzz saved stays
# in .fuzz/TARGET/ (crashes/ and hangs/ hold the inputs to turn into regression tests: `dotnet run --project
# tests/Sync.Fuzz -c Release -- replay TARGET FILE` shows the exception). Needs afl++ (scripts/install-deps.sh); works as root on a machine without containers.
set -euo pipefail

ROOT=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${FUZZ_OUT:-$ROOT/.fuzz}
SECONDS_EACH=60

log() { printf 'fuzz: %s\n' "$*" >&2; }
usage() { log "usage: scripts/fuzz.sh [SECONDS] [TARGET...]"; exit 2; }

if (($# > 0)) && [[ $1 =~ ^[0-9]+$ ]]; then
    SECONDS_EACH=$1
    shift
fi
((SECONDS_EACH >= 5)) || { log "SECONDS must be at least 5 (dotnet needs a few to start)"; exit 2; }
[[ ${1:-} != -* ]] || usage
command -v afl-fuzz >/dev/null 2>&1 || { log "afl-fuzz not found: run scripts/install-deps.sh (Debian package afl++)"; exit 1; }

cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- build and instrument ---------------------------------------------------------------------------------------------
BIN=$OUT/bin
rm -rf "$BIN"
mkdir -p "$OUT"
log "building tests/Sync.Fuzz"
dotnet tool restore >/dev/null
dotnet publish tests/Sync.Fuzz -c Release -o "$BIN" --nologo -v quiet </dev/null >"$OUT/build.log" 2>&1 ||
    { cat "$OUT/build.log" >&2; log "build failed"; exit 1; }
# The product's decoders (sync-inside for the UDP ticket seal and descriptor) and the protobuf runtime they use; the fuzz
# program, SharpFuzz, the simulated file system and the BCL stay as they are.
for dll in Sync.Core Sync.Protocol Sync.Transport.FileDrop Sync.Transport.Grpc Sync.Transport.Udp sync-inside Google.Protobuf; do
    dotnet tool run sharpfuzz "$BIN/$dll.dll" >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; log "instrumenting $dll failed"; exit 1; }
done

mapfile -t ALL < <(dotnet "$BIN/sync-fuzz.dll" list | cut -f1)
TARGETS=("$@")
((${#TARGETS[@]} > 0)) || TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
    printf '%s\n' "${ALL[@]}" | grep -qx -- "$t" || { log "no target '$t' (targets: ${ALL[*]})"; exit 2; }
done

# --- run ----------------------------------------------------------------------------------------------------------------
# Targets that read files do so under TMPDIR: a private folder in RAM, removed however the script ends.
SCRATCH=$(mktemp -d "$([[ -d /dev/shm && -w /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/sync-fuzz.XXXXXX")
trap 'rm -rf -- "$SCRATCH"' EXIT

# afl-fuzz on a plain machine, as root, not in a container: no CPU governor or core_pattern to tune, no free core to
# pin to (the machine is shared), dotnet itself is not instrumented (the forkserver is SharpFuzz's), and the runtime
# needs longer than afl's default to start. A run that allocates past 1 GiB is an OutOfMemoryException, so a crash.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_SKIP_BIN_CHECK=1 \
    AFL_NO_UI=1 AFL_FAST_CAL=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_NO_CRASH_README=1 AFL_QUIET=1 \
    TMPDIR=$SCRATCH DOTNET_GCHeapHardLimit=0x40000000 DOTNET_TieredPGO=0

stat_of() { # stat_of FILE NAME -> the value of NAME in afl's fuzzer_stats, or 0
    local v
    v=$(sed -n "s/^$2 *: *//p" "$1" 2>/dev/null | head -n 1)
    printf '%s\n' "${v:-0}"
}

failed=0
for t in "${TARGETS[@]}"; do
    dir=$OUT/$t
    rm -rf "$dir"
    mkdir -p "$dir"
    # -t: one input may take 5 s (the gRPC targets publish a generation); -m none: the GC limit above bounds memory.
    set +e
    afl-fuzz -i "tests/Sync.Fuzz/corpus/$t" -o "$dir/afl" -V "$SECONDS_EACH" -t 5000 -m none \
        -- dotnet "$BIN/sync-fuzz.dll" run "$t" </dev/null >"$dir/afl.log" 2>&1
    rc=$?
    set -e
    stats=$dir/afl/default/fuzzer_stats
    if [[ ! -f $stats ]]; then
        tail -n 20 "$dir/afl.log" >&2
        log "$t: afl-fuzz did not start (exit $rc); log in $dir/afl.log"
        failed=1
        continue
    fi

    crashes=$(stat_of "$stats" saved_crashes)
    hangs=$(stat_of "$stats" saved_hangs)
    printf '%-18s executions %8s  paths %5s  crashes %3s  hangs %3s  (%s s, %s exec/s)\n' "$t" \
        "$(stat_of "$stats" execs_done)" "$(stat_of "$stats" corpus_count)" "$crashes" "$hangs" \
        "$SECONDS_EACH" "$(stat_of "$stats" execs_per_sec)"
    if ((crashes > 0 || hangs > 0)); then
        failed=1
        for f in "$dir"/afl/default/crashes/id:* "$dir"/afl/default/hangs/id:*; do
            [[ -f $f ]] && log "$t: finding $f"
        done
    fi
done

if ((failed)); then
    # The instrumented assemblies in $BIN only run under afl-fuzz: replay with the plain build.
    log "findings or failures above; replay one with: dotnet run --project tests/Sync.Fuzz -c Release -- replay TARGET FILE"
    exit 1
fi
