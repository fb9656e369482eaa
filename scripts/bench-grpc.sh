#!/usr/bin/env bash
# The gRPC carrier side by side with its yardsticks, in one run on loopback:
#   1. a fresh multi-GB tree: `sync-outside push` to `sync-inside serve`, `sync-inside pull` from `sync-outside
#      serve` (the outside scanned ahead in both), `rsync -a` to an rsync daemon on 127.0.0.1, and a bare gRPC client
#      stream of the same bytes (bench/Sync.GrpcBaseline). Each ends with the data on disk (our inside syncs before
#      it publishes; rsync and the bare server are followed by sync).
#   2. a dead pusher: a push of the same tree killed with SIGKILL once a third of it is staged, and a new push
#      started at once from the same state. From the inside's JSON log: when the dead session was closed ("cut
#      after") and when the new push's session was admitted ("Resuming"), the wait the gate logged, and whether the
#      new push was told busy.
#   3. a realistic reprepro update: bytes a push sends against the file-drop bundle of the same update.
# Prints a table with the date, commit and load; targets: push at least 1.3x rsync's speed and at least 80% of the
# bare stream; the new push admitted within 0.5 s of the dead session's close, not told busy; the incremental push
# no larger than the bundle.
#
#   scripts/bench-grpc.sh [WORK_DIR] [--size-mib N] [--rounds N] [--published]   (default 2048 MiB, 3 rounds; medians)
#
# --published runs the agents as the packages ship them (self-contained, single file, composite ReadyToRun:
# scripts/publish-agent.sh) instead of the framework-dependent Release build, whose JIT compiles every method at
# run time; the bare gRPC stream stays a Release build either way.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# WORK_DIR only when given first: `bench-grpc.sh --size-mib 512` took "--size-mib" for it. A work folder the script
# made is removed at the end (it holds several copies of the tree); one given is kept.
made_work=0
if (($#)) && [[ $1 != -* ]]; then
    work=$1
    shift
else
    work=$(mktemp -d /tmp/sync-bench-grpc.XXXXXX)
    made_work=1
fi
size_mib=2048
rounds=3
published=0
while (($#)); do
    case $1 in
        --size-mib) size_mib=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --published) published=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

bash "$root/scripts/install-deps.sh"
dotnet build "$root/Sync.sln" -c Release -v quiet -nologo >/dev/null
outside=(dotnet "$root/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll")
inside=(dotnet "$root/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll")
build=release
if ((published)); then
    # Kept under artifacts/ between runs: a publish over its own earlier outputs is incremental.
    for agent in outside inside; do
        bash "$root/scripts/publish-agent.sh" "Sync.${agent^}" "$root/artifacts/bench-grpc/published-$agent" "$root/artifacts/bench-grpc"
    done
    outside=("$root/artifacts/bench-grpc/published-outside/sync-outside")
    inside=("$root/artifacts/bench-grpc/published-inside/sync-inside")
    build="published (composite ReadyToRun)"
fi
baseline=(dotnet "$root/bench/Sync.GrpcBaseline/bin/Release/net10.0/Sync.GrpcBaseline.dll")

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if ((made_work)); then rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { # a random high port nothing listens on
    local p
    while :; do p=$((20000 + RANDOM % 40000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done
}
random_bytes() { # random_bytes COUNT SEED: incompressible, fast, reproducible
    openssl enc -aes-128-ctr -nosalt -pass "pass:$2" -in /dev/zero 2>/dev/null | head -c "$1" || true
}
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

rm -rf "$work"; mkdir -p "$work/src/pool/big" "$work/src/pool/main"
# Half the bytes in one large file, the rest in 4 MiB packages: incompressible, like .debs.
random_bytes $((size_mib / 2 * 1048576)) bench >"$work/src/pool/big/large.deb"
for i in $(seq 1 $((size_mib / 2 / 4))); do
    random_bytes 4194304 "$i" >"$work/src/pool/main/p$i.deb"
done
bytes=$(du -sb "$work/src" | cut -f1)
sync

# --- the three transfers, in rotating order over several rounds -----------------------
# The machine is a shared VM: a run that first touches memory the host has not yet backed pays for it, so a
# transfer's place in the order changes its figure by up to a third. Every method takes every place in turn and
# the median of its rounds is reported.
"${outside[@]}" keygen --key "$work/key" >/dev/null
scan_start=$(now)
"${outside[@]}" scan --source "$work/src" --state "$work/out" --quiet >/dev/null
scan_end=$(now)
cp -a "$work/out" "$work/out-scanned"

# start_server PORT LOG CMD...: starts a transfer's server (stopped when the measuring subshell exits), waits for its
# port, then flushes the page cache's dirty pages so the transfer does not pay for the previous one's.
start_server() {
    local port=$1 log=$2; shift 2
    "$@" >"$log" 2>&1 &
    server=$!; trap 'kill "$server" 2>/dev/null || true' EXIT
    wait_port "$port"
    sync
}

run_push() {
    rm -rf "$work/out"; cp -a "$work/out-scanned" "$work/out"
    local port; port=$(free_port)
    start_server "$port" "$work/serve.log" "${inside[@]}" serve --listen "127.0.0.1:$port" --target "$work/target" --state "$work/in" --trust "$work/key.pub"
    local start; start=$(now)
    local out; out=$("${outside[@]}" push --source "$work/src" --state "$work/out" --key "$work/key" --to "http://127.0.0.1:$port" --quiet)
    elapsed "$start" "$(now)"
    kill "$server"; wait "$server" 2>/dev/null || true
    grep -o '[0-9]* bytes sent' <<<"$out" | cut -d' ' -f1 >"$work/sent"
    rm -rf "$work/in" "$work/target"
}

run_pull() {
    rm -rf "$work/out"; cp -a "$work/out-scanned" "$work/out"
    local port; port=$(free_port)
    start_server "$port" "$work/serve-out.log" "${outside[@]}" serve --listen "127.0.0.1:$port" --source "$work/src" --state "$work/out" --key "$work/key"
    local start; start=$(now)
    "${inside[@]}" pull --from "http://127.0.0.1:$port" --target "$work/target" --state "$work/in" --trust "$work/key.pub" --quiet >/dev/null
    elapsed "$start" "$(now)"
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -rf "$work/in" "$work/target"
}

run_rsync() {
    local port; port=$(free_port)
    mkdir -p "$work/rsync-dst"
    printf 'use chroot = no\nuid = root\ngid = root\n[m]\npath = %s\nread only = no\n' "$work/rsync-dst" >"$work/rsyncd.conf"
    start_server "$port" "$work/rsyncd.log" rsync --daemon --no-detach --config="$work/rsyncd.conf" --address=127.0.0.1 --port="$port"
    local start; start=$(now)
    rsync -a "$work/src/" "rsync://127.0.0.1:$port/m/"
    sync
    elapsed "$start" "$(now)"
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -rf "$work/rsync-dst"
}

run_bare() {
    local port; port=$(free_port)
    mkdir -p "$work/bare-dst"
    start_server "$port" "$work/bare.log" "${baseline[@]}" serve "$port" "$work/bare-dst"
    local start; start=$(now)
    "${baseline[@]}" send "http://127.0.0.1:$port" "$work/src" >/dev/null
    elapsed "$start" "$(now)"
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -rf "$work/bare-dst"
}

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

methods=(push pull rsync bare)
declare -A times=([push]="" [pull]="" [rsync]="" [bare]="")
for ((round = 0; round < rounds; round++)); do
    for ((i = 0; i < ${#methods[@]}; i++)); do
        method=${methods[$(((round + i) % ${#methods[@]}))]}
        t=$("run_$method")
        times[$method]+=" $t"
        printf 'round %d: %-5s %8.2f s\n' $((round + 1)) "$method" "$t" >&2
    done
done
push=$(median "${times[push]}"); pull=$(median "${times[pull]}"); rs=$(median "${times[rsync]}"); bare=$(median "${times[bare]}")
sent=$(cat "$work/sent")

# --- a dead pusher: kill -9 mid-transfer, a new push at once ---------------------------
# log_time FILE REGEX: the epoch time of the first JSON log line whose message template matches REGEX.
log_time() {
    local t; t=$(jq -rR --arg re "$2" 'fromjson? | select(."@mt" | test($re)) | ."@t"' "$1" 2>/dev/null | head -n 1)
    [[ -n $t ]] && date -d "$t" +%s.%N
}
rm -rf "$work/out"; cp -a "$work/out-scanned" "$work/out"
port=$(free_port)
"${inside[@]}" serve --listen "127.0.0.1:$port" --target "$work/target" --state "$work/in" --trust "$work/key.pub" --log-format json >"$work/serve-dead.log" 2>&1 &
serving=$!
pids+=("$serving")
wait_port "$port"
"${outside[@]}" push --source "$work/src" --state "$work/out" --key "$work/key" --to "http://127.0.0.1:$port" --quiet >/dev/null 2>&1 &
pusher=$!
# Killed once a third of the tree is staged: the bytes the inside process has written (its write_bytes in
# /proc/PID/io; it writes received contents with O_DIRECT, so they count as they go to the disk). The staging
# folder's allocated blocks say nothing: the inside preallocates each object when its content begins.
staged_bytes() { awk '$1 == "write_bytes:" { print $2 }' "/proc/$serving/io" 2>/dev/null || echo 0; }
until (($(staged_bytes) >= bytes / 3)); do
    kill -0 "$pusher" 2>/dev/null || { echo "the push to be killed ended first: use a larger --size-mib" >&2; exit 1; }
    sleep 0.05
done
kill -9 "$pusher"
killed=$(now)
dead_rc=0
dead_out=$("${outside[@]}" push --source "$work/src" --state "$work/out" --key "$work/key" --to "http://127.0.0.1:$port" --quiet 2>&1) || dead_rc=$?
wait "$pusher" 2>/dev/null || true
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
closed=$(log_time "$work/serve-dead.log" 'cut after') || closed=
admitted=$(log_time "$work/serve-dead.log" '^Resuming') || admitted=
gate=$(jq -rR 'fromjson? | select(."@mt" | test("waited")) | "\(.Waited) \(.Latency)"' "$work/serve-dead.log" 2>/dev/null | head -n 1)
kept=$(jq -rR 'fromjson? | select(."@mt" | test("cut after")) | .Bytes' "$work/serve-dead.log" 2>/dev/null | head -n 1)
rm -rf "$work/in" "$work/target" "$work/out"

# --- incremental: a realistic reprepro update, push against bundle ------------------
repo=$work/apt
bash "$root/scripts/make-apt-repo.sh" init "$repo" --packages 150 --size-kib 512 >/dev/null
mkdir -p "$work/drop"
port=$(free_port)
"${inside[@]}" serve --listen "127.0.0.1:$port" --target "$work/apt-target" --state "$work/apt-in" --trust "$work/key.pub" >"$work/serve-apt.log" 2>&1 &
pids+=($!)
wait_port "$port"
"${outside[@]}" push --source "$repo/repo" --state "$work/apt-push" --key "$work/key" --to "http://127.0.0.1:$port" --quiet >/dev/null
"${outside[@]}" export --source "$repo/repo" --state "$work/apt-export" --key "$work/key" --drop "$work/drop" --quiet >/dev/null
bash "$root/scripts/make-apt-repo.sh" update "$repo" --add 10 --remove 4 --upgrade 19 >/dev/null
"${outside[@]}" export --source "$repo/repo" --state "$work/apt-export" --key "$work/key" --drop "$work/drop" --quiet >/dev/null
bundle=$(du -cb "$work"/drop/sync-g00000002-* | tail -n 1 | cut -f1)
inc_out=$("${outside[@]}" push --source "$repo/repo" --state "$work/apt-push" --key "$work/key" --to "http://127.0.0.1:$port" --quiet)
inc_sent=$(grep -o '[0-9]* bytes sent' <<<"$inc_out" | cut -d' ' -f1)
bash "$root/scripts/make-apt-repo.sh" check "$work/apt-target" "$repo/gnupg" >/dev/null
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

printf 'bench-grpc, %s, commit %s, load %s, agents: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(git -C "$root" rev-parse --short HEAD)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$build"
awk -v bytes="$bytes" -v sent="$sent" -v scan="$(elapsed "$scan_start" "$scan_end")" -v push="$push" -v pull="$pull" \
    -v rs="$rs" -v bare="$bare" -v rounds="$rounds" \
    -v killed="$killed" -v closed="$closed" -v admitted="$admitted" -v gate="$gate" -v kept="$kept" -v dead_rc="$dead_rc" -v dead_said="$(head -n 1 <<<"$dead_out" | cut -c1-200)" \
    -v bundle="$bundle" -v inc="$inc_sent" 'BEGIN {
    mib = 1048576
    printf "fresh tree:                 %12.0f bytes (%.0f MiB); medians of %d rounds, each method in every place of the order\n", bytes, bytes / mib, rounds
    printf "  outside scan              %9.2f s   %7.1f MiB/s  (before dialling; not in the push or pull time)\n", scan, bytes / mib / scan
    printf "  sync-outside push         %9.2f s   %7.1f MiB/s  (%.0f bytes sent)\n", push, bytes / mib / push, sent
    printf "  sync-inside pull          %9.2f s   %7.1f MiB/s\n", pull, bytes / mib / pull
    printf "  rsync -a to rsyncd        %9.2f s   %7.1f MiB/s\n", rs, bytes / mib / rs
    printf "  bare gRPC client stream   %9.2f s   %7.1f MiB/s\n", bare, bytes / mib / bare
    printf "  push vs rsync:  %5.0f%%   (target >= 130%%: %s)\n", 100 * rs / push, (rs / push >= 1.3 ? "met" : "missed")
    printf "  pull vs rsync:  %5.0f%%\n", 100 * rs / pull
    printf "  push vs bare:   %5.0f%%   (target >= 80%%: %s)\n", 100 * bare / push, (bare / push >= 0.8 ? "met" : "missed")
    printf "dead pusher (SIGKILL once a third is staged, a new push from the same state started at once):\n"
    if (closed == "" || admitted == "") {
        printf "  the inside logged no %s: see serve-dead.log (new push exit %d)\n", (closed == "" ? "cut session" : "resumed session"), dead_rc
    } else {
        split(gate, g, " ")
        printf "  kill -> dead session closed       %6.3f s  (%.0f bytes kept for a resume)\n", closed - killed, kept
        printf "  kill -> new session admitted      %6.3f s  (includes the new push process start and its scan check)\n", admitted - killed
        if (gate != "") printf "  the gate: waited %.2f s, admitted %.1f ms after the dead session closed  (target <= 0.5 s: %s)\n", g[1], g[2], (g[2] <= 500 ? "met" : "missed")
        else printf "  the gate: no wait (the dead session had closed before the new push arrived; target <= 0.5 s: met)\n"
    }
    printf "  new push: exit %d%s\n", dead_rc, (dead_rc == 6 ? " (told busy: target missed)" : (dead_rc == 0 ? ", published, not told busy" : ""))
    if (dead_rc != 0) printf "  it said: %s\n", dead_said
    printf "realistic reprepro update (150 packages; 10 added, 4 removed, 19 upgraded):\n"
    printf "  file-drop bundle          %12.0f bytes\n", bundle
    printf "  incremental push sent     %12.0f bytes  (%+.2f%%; target <= bundle: %s)\n", inc, 100 * (inc - bundle) / bundle, (inc <= bundle ? "met" : "missed")
}'
