#!/usr/bin/env bash
# Start-up as the user sees it: the time from process start to the first byte moved, for each one-shot command of
# the published agents, built with ReadyToRun and without, under several tiered-compilation settings, side by side.
#
#   scripts/bench-startup.sh [--runs N] [--work DIR] [--builds "composite r2r jit"] [--settings "default pgo no-tiering no-quick-loops"]
#
# Builds: both agents published as scripts/package.sh publishes them (self-contained, single file, linux-x64), three
# times (scripts/publish-agent.sh --mode): "composite" (ReadyToRun, the agent and the runtime in one composite image:
# what the packages ship), "r2r" (ReadyToRun per assembly) and "jit" (no ReadyToRun).
# Settings, applied through the runtime's environment knobs, which override the runtimeconfig the csproj writes:
#   default          what the csproj sets (TieredPGO off; tiered compilation and quick JIT for loops on)
#   pgo              DOTNET_TieredPGO=1 (the runtime's own default)
#   no-tiering       DOTNET_TieredCompilation=0 (every method JIT-compiled fully optimised at once)
#   no-quick-loops   DOTNET_TC_QuickJitForLoops=0 (methods with loops skip tier 0)
# Sample: the demo's signed reprepro repository (scripts/make-apt-repo.sh, 60 packages, about 18 MB), scanned ahead
# as the outside's timer does, so export, push and send start from a current scan cache.
# Marker of the first byte moved, taken from `strace -f --seccomp-bpf -ttt` (only the listed system calls stop the
# process, so the agents run at nearly full speed; the same for every variant), measured from the execve:
#   export   openat of the first part file in the drop folder (O_CREAT)
#   import   openat of the first bundle file in the drop folder
#   push     connect() to the inside's port (`sync-inside serve`, started before and not timed)
#   pull     connect() to the outside's port (`sync-outside serve`, started before and not timed)
#   send     the first send system call that carries data (to a UDP port on 127.0.0.1 that discards it)
#   --help, status   the process's exit_group: the floor (runtime start, command-line parsing, one small read)
# Every command also gets its total time to exit_group. Each run starts from fresh copies of the states, so every
# run moves the same first generation. Printed: medians of --runs in milliseconds, every variant in one table.
# Work files go to --work (default /var/tmp/sync-bench-startup, deleted at the end unless --keep).
# Exit: 0 done; 1 failure; 2 usage.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

runs=5 work=/var/tmp/sync-bench-startup keep=0 settings="default pgo no-tiering no-quick-loops" builds="composite r2r jit"
while (($#)); do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --settings) settings=$2; shift 2 ;;
        --builds) builds=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "bench-startup.sh: unknown option $1 (see the top of the script)" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-startup.sh: --runs takes a positive count" >&2; exit 2; }
die() { printf 'bench-startup: %s\n' "$*" >&2; exit 1; }
log() { printf 'bench-startup: %s\n' "$*" >&2; }

bash "$root/scripts/install-deps.sh" reprepro dpkg-dev gnupg xz-utils strace python3 >/dev/null
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    ((keep)) || rm -rf -- "$work"
}
trap cleanup EXIT
# Build outputs kept by an earlier --keep run make the publishes incremental; everything else starts afresh.
mkdir -p "$work"
find "$work" -mindepth 1 -maxdepth 1 ! -name 'artifacts-*' -exec rm -rf -- {} +

# --- builds -------------------------------------------------------------------------------------------------------
read -r -a variants <<<"$builds"
for variant in "${variants[@]}"; do
    [[ $variant == composite || $variant == r2r || $variant == jit ]] || { echo "bench-startup.sh: unknown build $variant" >&2; exit 2; }
done
for variant in "${variants[@]}"; do
    for project in Sync.Outside Sync.Inside; do
        log "publishing $project ($variant)"
        # Separate artifacts per mode: an incremental publish over the other mode's outputs once made a broken binary.
        bash "$root/scripts/publish-agent.sh" "$project" "$work/$variant" "$work/artifacts-$variant" --mode "$variant" --log "$work/publish.log" ||
            die "publishing $project ($variant) failed"
    done
done

# --- sample and prepared states -------------------------------------------------------------------------------------
bin=$work/${variants[0]} # prepares the states; any build writes the same ones
bash "$root/scripts/make-apt-repo.sh" init "$work/apt" --packages 60 --size-kib 256 >/dev/null
src=$work/apt/repo
"$bin/sync-outside" keygen --key "$work/key" >/dev/null
"$bin/sync-outside" scan --source "$src" --state "$work/out-scanned" --quiet >/dev/null
mkdir -p "$work/drop-ready"
cp -a "$work/out-scanned" "$work/out-export"
"$bin/sync-outside" export --source "$src" --state "$work/out-export" --key "$work/key" --drop "$work/drop-ready" --quiet >/dev/null
"$bin/sync-inside" import --drop "$work/drop-ready" --target "$work/status-target" --state "$work/in-status" --trust "$work/key.pub" --quiet >/dev/null
rm -rf "$work/out-export"
bytes=$(du -sb "$src" | cut -f1)

free_port() {
    local p
    while :; do p=$((20000 + RANDOM % 40000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done
}
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; die "port $1 never opened"; }

# The outside's serve for pull runs throughout: pulling moves the same generation to a fresh inside each time.
pull_port=$(free_port)
cp -a "$work/out-scanned" "$work/out-serve"
"$bin/sync-outside" serve --listen "127.0.0.1:$pull_port" --source "$src" --state "$work/out-serve" --key "$work/key" >"$work/serve-out.log" 2>&1 &
pids+=($!)
wait_port "$pull_port"
# A UDP port that reads and discards, so send's datagrams meet no ICMP port-unreachable.
udp_port=$(free_port)
/usr/bin/python3 -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
while True: s.recv(65536)' "$udp_port" &
pids+=($!)

# trace LOG CMD...: runs CMD under strace, writing only the system calls the markers need.
trace() {
    local out=$1; shift
    strace -f --seccomp-bpf -qq -ttt -e trace=execve,connect,openat,sendmsg,sendmmsg,sendto,exit_group -e signal=none \
        "${strace_env[@]}" -o "$out" -- "$@" >"$out.stdout" 2>"$out.stderr"
}
# elapsed LOG REGEX: milliseconds from the execve to the first line matching REGEX, and to exit_group.
elapsed() {
    awk -v re="$2" '
        NR == 1 { t0 = $2 }
        first == "" && $0 ~ re { first = $2 }
        end == "" && / exit_group\(/ { end = $2 }
        END {
            if (first == "" || end == "") { print "- -"; exit }
            printf "%.0f %.0f\n", (first - t0) * 1000, (end - t0) * 1000
        }' "$1"
}

# run_one VARIANT SETTING COMMAND: prepares, runs and measures one command; prints "FIRST_MS TOTAL_MS".
run_one() {
    local variant=$1 setting=$2 command=$3 b=$work/$1 t=$work/run
    strace_env=() # set in the traced process only (strace -E)
    case $setting in
        default) ;;
        pgo) strace_env=(-E DOTNET_TieredPGO=1) ;;
        no-tiering) strace_env=(-E DOTNET_TieredCompilation=0) ;;
        no-quick-loops) strace_env=(-E DOTNET_TC_QuickJitForLoops=0) ;;
        *) die "unknown setting $setting" ;;
    esac
    rm -rf "$t"; mkdir -p "$t"
    local re rc=0 server=
    case $command in
        help)
            re=' exit_group\('
            trace "$t/st" "$b/sync-outside" --help || rc=$? ;;
        status)
            re=' exit_group\('
            trace "$t/st" "$b/sync-inside" status --state "$work/in-status" || rc=$? ;;
        export)
            cp -a "$work/out-scanned" "$t/out"; mkdir -p "$t/drop"
            re="openat\\(.*\"$t/drop/[^\"]*\\.p0001[^\"]*\", [^)]*O_CREAT"
            trace "$t/st" "$b/sync-outside" export --source "$src" --state "$t/out" --key "$work/key" --drop "$t/drop" --quiet || rc=$? ;;
        import)
            cp -a "$work/drop-ready" "$t/drop"
            re="openat\\(.*\"$t/drop/sync-g"
            trace "$t/st" "$b/sync-inside" import --drop "$t/drop" --target "$t/target" --state "$t/in" --trust "$work/key.pub" --quiet || rc=$? ;;
        push)
            local port; port=$(free_port)
            cp -a "$work/out-scanned" "$t/out"
            "$bin/sync-inside" serve --listen "127.0.0.1:$port" --target "$t/target" --state "$t/in" --trust "$work/key.pub" >"$t/serve.log" 2>&1 &
            server=$!
            wait_port "$port"
            re="connect\\(.*htons\\($port\\)"
            trace "$t/st" "$b/sync-outside" push --source "$src" --state "$t/out" --key "$work/key" --to "http://127.0.0.1:$port" --quiet || rc=$? ;;
        pull)
            re="connect\\(.*htons\\($pull_port\\)"
            trace "$t/st" "$b/sync-inside" pull --from "http://127.0.0.1:$pull_port" --target "$t/target" --state "$t/in" --trust "$work/key.pub" --quiet || rc=$? ;;
        send)
            cp -a "$work/out-scanned" "$t/out"
            re=' send(msg|mmsg|to)\(.* = [1-9][0-9]*$'
            trace "$t/st" "$b/sync-outside" send --source "$src" --state "$t/out" --key "$work/key" --udp "127.0.0.1:$udp_port" --rate 1G --passes 1 --quiet || rc=$? ;;
        *) die "unknown command $command" ;;
    esac
    if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    ((rc == 0)) || die "$command ($variant, $setting) exited $rc: $(head -c 300 "$t/st.stderr")"
    elapsed "$t/st" "$re"
}

commands=(help status export import push pull send)
read -r -a setting_list <<<"$settings"
declare -A first total
log "$runs runs of ${#commands[@]} commands x ${#variants[@]} builds x ${#setting_list[@]} settings; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((run = 1; run <= runs; run++)); do
    for command in "${commands[@]}"; do
        # Each run visits the variants in another order, so none always runs right after the page cache warmed.
        combos=()
        for variant in "${variants[@]}"; do for setting in "${setting_list[@]}"; do combos+=("$variant/$setting"); done; done
        for ((i = 0; i < ${#combos[@]}; i++)); do
            combo=${combos[$(((i + run) % ${#combos[@]}))]}
            measured=$(run_one "${combo%/*}" "${combo#*/}" "$command")
            read -r f e <<<"$measured"
            [[ $f != - ]] || die "$command ($combo): no first-byte marker in the trace"
            first[$command/$combo]+=" $f"; total[$command/$combo]+=" $e"
        done
    done
    log "run $run of $runs done"
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '\nstart-up, %s, commit %s, load %s, %d runs (medians, ms)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$(git -C "$root" rev-parse --short HEAD)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$runs"
sizes=$(for variant in "${variants[@]}"; do printf '%s %s, ' "$variant" "$(stat -c %s "$work/$variant/sync-outside")"; done)
printf 'sample: %s bytes, 60 packages, scanned ahead; binaries: %s(sync-outside, bytes)\n' "$bytes" "$sizes"
printf 'cells: first byte moved / exit (for --help and status both are the exit)\n'
printf '%-8s' command
for combo in "${combos[@]}"; do printf ' %19s' "$combo"; done
printf '\n'
for command in "${commands[@]}"; do
    printf '%-8s' "$command"
    for combo in "${combos[@]}"; do
        printf ' %19s' "$(median "${first[$command/$combo]}") / $(median "${total[$command/$combo]}")"
    done
    printf '\n'
done
