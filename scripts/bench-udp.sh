#!/usr/bin/env bash
# Diode benchmark: sync-outside send / sync-inside receive, with each of its two erasure codes, against udpcast
# (udp-sender --async --fec) over the same one-way namespace link (scripts/netns.sh), the same nftables loss and
# the same pacing, and prints a table.
#
#   sudo bash scripts/bench-udp.sh [--size-mib 1024] [--rate-mbit "1000"] [--mtu 1500] [--losses "0 1 5"]
#                                  [--bursts "1000"] [--codes "rs8 rs16"] [--runs 1] [--no-udpcast] [--published] [--work DIR]
#                                  [--rs8-interleave N]
#
# --published runs the agents as the packages ship them (self-contained, single-file, composite ReadyToRun, as
# scripts/package.sh publishes them) instead of the framework-dependent Release build.
# --rate-mbit takes a list ("1000 2000 4000"): every row is measured at each rate, which finds the highest rate at
# which one sender and one receiver still deliver intact in one pass. --mtu sets the veth link's MTU (9000: jumbo
# frames) and our datagram size; udpcast's packets stay at its maximum of 1456 payload bytes whatever the MTU.
#
# For each loss (percent, random, on the inside's ingress), and for 1 % lost in periodic bursts of each --bursts
# length (BURST packets out of every 100 x BURST), the tools move one payload file of random bytes:
#   ours rs8   a tree holding the file, `send --full --passes 1` (one pass, no second chance) at --rate, GF(2^8) FEC
#              overhead 6.25 % at 0 % loss, 12.5 % at 1 %, 25 % at 5 % (k = 128, the sender's default interleave for
#              the MTU: 64 at 1500, 8 at 9000; --rs8-interleave N sets it); under bursts what
#              `fec-plan --burst` says for rs8; `receive --once`.
#   ours rs16  the same with `--fec-code rs16` and the shape `fec-plan` gives for the loss (for 1 % at 0 % loss;
#              with --periodic under bursts).
#   udpcast    `udp-sender --async --fec 8xR/128 --max-bitrate RATEm` with the rs8 row's overhead (R = 8, 16, 32),
#            `udp-receiver --rcvbuf 4M` (udpcast asks with SO_RCVBUF, which net.core.rmem_max caps; ours asks
#            64 MiB with SO_RCVBUFFORCE as root; neither host sysctl is changed).
# Goodput = payload bytes / (time the receiver had it intact - time the sender's first data packet left), from
# timestamped output lines: udp-sender's "Starting transfer" to udp-receiver's "Transfer complete"; our sender's
# "transmission started" (its first packet; the setup before it, buffers and the first encoded windows, is
# printed beside the figures) to our receiver's last "received ... checksummed" (the last part's SHA-256 matched).
# End to end is what a user waits for: payload bytes / (time the receiver finished - time the sender was started):
# ours from starting `send` (the outside scanned ahead, untimed, as a scheduled scan would) to the inside's
# "generation N published"; udpcast from starting udp-sender to udp-receiver's "Transfer complete". "Intact" is a
# sha256 of what each receiver wrote (ours: the published file) against the payload. Peak memory is each of our
# processes' maximum resident set (GNU time), the whole agent: scan, stream, FEC and publish. CPU is each process's
# user + system seconds (GNU time) per GB of payload: ours the whole agent (stream to spool, FEC, send; receive,
# decode, hash, apply, publish), udpcast its sender and receiver; the kernel's work for a veth packet mostly runs
# in the sending process's system call, so the sender's column carries much of the receiving side's stack too.
# Each timed run starts after a `sync`. The outside's tree and state live on a tmpfs of their own, as on their own
# machine, so the inside's syncfs at publish does not write out the outside's spool (it needs 3x the payload of RAM).
# Needs root, iproute2, nftables, udpcast, GNU time and a Release build (built here when missing). Work files go to
# --work (default /var/tmp).
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

size_mib=1024 rates="1000" mtu=1500 losses="0 1 5" bursts="1000" codes="rs8 rs16" runs=1 work_parent=/var/tmp with_udpcast=1 published=0
rs8_interleave=
while (($#)); do
    case $1 in
        --size-mib) size_mib=$2; shift 2 ;;
        --rate-mbit) rates=$2; shift 2 ;;
        --mtu) mtu=$2; shift 2 ;;
        --no-udpcast) with_udpcast=0; shift ;;
        --published) published=1; shift ;;
        --losses) losses=$2; shift 2 ;;
        --bursts) bursts=$2; shift 2 ;;
        --codes) codes=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --work) work_parent=$2; shift 2 ;;
        --rs8-interleave) rs8_interleave="--interleave $2"; shift 2 ;;
        *) echo "bench-udp.sh: unknown option $1 (see the top of the script)" >&2; exit 2 ;;
    esac
done

log() { printf 'bench-udp: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces)"
command -v udp-sender >/dev/null || die "udpcast is not installed: bash scripts/install-deps.sh"
[[ -x /usr/bin/time ]] || die "GNU time is not installed: bash scripts/install-deps.sh"
bash scripts/netns.sh check

OUT="$ROOT/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll"
IN="$ROOT/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll"
if [[ ! -f $OUT || ! -f $IN ]]; then
    log "building (Release)"
    dotnet build Sync.sln -c Release -v quiet -nologo >/dev/null
fi
outside_agent=(dotnet "$OUT") inside_agent=(dotnet "$IN")

NAME="bench$$"
WORK=$(mktemp -d "$work_parent/sync-bench-udp.XXXXXX")
LOGS="$work_parent/bench-udp-logs.$(date -u +%Y%m%dT%H%M%S)" # each run's outputs, kept for a look at why
mkdir -p "$LOGS"
outside_mounted=0
cleanup() {
    bash "$ROOT/scripts/netns.sh" down "$NAME" || true
    if ((outside_mounted)); then umount "$WORK/outside-fs" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One pass and no carousel: a receiver that could not rebuild everything from it never will, so give up then.
receive_timeout=$((60 + size_mib / 16))
# The outside's files (its tree, and its state with the spool) on a file system of their own, as on the outside's own
# machine: the inside makes a generation durable with one syncfs of its file system, which also writes out every
# dirty page other programs left there. On one shared file system that was the outside's spool, written moments
# before: 0.3 s of a 3.8 s run (2026-12-07, AMD host). A tmpfs: the outside's writes still cost their copy into the
# page cache, and the write-back its own disk would do happens nowhere. (An ext4 image on a loop device cost the
# outside so much CPU that at 2.5 Gbit/s it sent 1.07 instead of 1.61 Gbit/s.)
mkdir -p "$WORK/outside-fs"
mount -t tmpfs -o size=$((size_mib * 3 + 512))m sync-bench-outside "$WORK/outside-fs"
outside_mounted=1
TREE="$WORK/outside-fs/tree" OUTSIDE_STATE="$WORK/outside-fs/state"
log "payload: $size_mib MiB of random bytes in $TREE"
mkdir -p "$TREE"
head -c $((size_mib << 20)) /dev/urandom >"$TREE/payload.bin"
payload_sha=$(sha256sum "$TREE/payload.bin" | cut -d' ' -f1)
payload_bytes=$((size_mib << 20))
if ((published)); then
    # The executables the packages ship (scripts/package.sh): self-contained, single file, composite ReadyToRun.
    for agent in outside inside; do
        log "publishing sync-$agent as the package does (composite ReadyToRun)"
        project=Sync.${agent^}
        # Kept under artifacts/ between runs: a publish over its own earlier outputs is incremental.
        bash scripts/publish-agent.sh "$project" "$ROOT/artifacts/bench-udp/published-$agent" "$ROOT/artifacts/bench-udp" \
            --log "$WORK/publish-$agent.log" || die "publishing $project failed (log: $WORK/publish-$agent.log)"
    done
    outside_agent=("$ROOT/artifacts/bench-udp/published-outside/sync-outside") inside_agent=("$ROOT/artifacts/bench-udp/published-inside/sync-inside")
fi
"${outside_agent[@]}" keygen --key "$WORK/key" >/dev/null
bash scripts/netns.sh up "$NAME" --mtu "$mtu" >/dev/null
OUTSIDE="$NAME-o" INSIDE="$NAME-i1"

# Prefixes each line (a \r ends a line too: udpcast redraws its progress with \r) with the epoch time.
stamp() { stdbuf -oL tr '\r' '\n' | while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }
first_time() { grep -m1 -- "$2" "$1" 2>/dev/null | cut -d' ' -f1 || true; }
last_time() { grep -- "$2" "$1" 2>/dev/null | tail -1 | cut -d' ' -f1 || true; }
seconds() { awk -v s="$1" -v e="$2" 'BEGIN { if (s == "" || e == "" || e <= s) print "-"; else printf "%.2f", e - s }'; }
mbit() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { if (s == "" || e == "" || e <= s) print "-"; else printf "%.0f", b * 8 / (e - s) / 1e6 }'; }

# CPU seconds (user + system) per GB of payload from a GNU time file written with -f '%M %U %S'.
cpu_per_gb() { awk -v b="$payload_bytes" 'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%.2f", ($2 + $3) / (b / 1e9) }' "$1" 2>/dev/null || true; }

ours() { # ours TAG RUN FEC-OPTIONS... -> "goodput intact sender-rate receiver-drops setup rss-out rss-in cpu-out cpu-in e2e-goodput e2e-seconds plan-to-first-packet-ms"
    local dir="$WORK/ours-$1-$2"
    local tag=$1
    shift 2
    mkdir -p "$dir"
    # A fresh inside each run; one outside state, so the scan cache spares a re-hash (--full still sends everything).
    ip netns exec "$INSIDE" /usr/bin/time -f '%M %U %S' -o "$dir/receive.rss" "${inside_agent[@]}" receive --udp 198.18.0.2:7700 --target "$dir/target" --state "$dir/inside" \
        --trust "$WORK/key.pub" --once --timeout "$receive_timeout" --report-interval 2 > >(stamp >"$dir/receive.out") 2>"$dir/receive.err" &
    local receiver=$!
    for _ in $(seq 100); do ip netns exec "$INSIDE" ss -Hlun 'sport = :7700' | grep -q . && break; sleep 0.1; done
    "${outside_agent[@]}" scan --source "$TREE" --state "$OUTSIDE_STATE" --quiet >/dev/null
    sync # what the steps before wrote (the payload, the last run's files) is not this run's to write out
    local launched=$EPOCHREALTIME
    ip netns exec "$OUTSIDE" /usr/bin/time -f '%M %U %S' -o "$dir/send.rss" "${outside_agent[@]}" send --source "$TREE" --state "$OUTSIDE_STATE" --key "$WORK/key" \
        --udp 198.18.0.2:7700 --rate "${rate_mbit}M" --mtu "$mtu" --passes 1 "$@" --full --quiet --verbose \
        > "$dir/send.out" 2> >(stamp >"$dir/send.err") || log "ours $tag: send failed (see $dir/send.err)"
    wait "$receiver" || log "ours $tag: receive exited $? (see $dir/receive.err)"
    sleep 0.2 # let the stamping pipes drain
    local start end published intact=no
    start=$(first_time "$dir/send.err" "transmission started")
    end=$(last_time "$dir/receive.out" "checksummed")
    published=$(first_time "$dir/receive.out" " published (was ")
    local planned
    planned=$(first_time "$dir/send.err" " planned: ")
    if [[ -f $dir/target/payload.bin ]] && [[ $(sha256sum "$dir/target/payload.bin" | cut -d' ' -f1) == "$payload_sha" ]]; then intact=yes; fi
    grep 'report:' "$dir/receive.out" | tail -1 | cut -d' ' -f2- >"$dir/last-report"
    # Why a run fell short: the rate the sender achieved, how often the receive thread waited for the decode loop,
    # and packets the kernel dropped at the socket.
    local sent drops setup
    setup=$(grep -m1 -o 'first packet out after [0-9.]* s' "$dir/send.err" | awk '{ print $5 }' || true) # the first part's
    sent=$(grep -o 'at [0-9.]* [MG]bit/s (asked' "$dir/send.out" | awk '{ print ($3 == "Gbit/s") ? $2 * 1000 : $2 }' || true)
    drops=$(grep -o 'queue waits [0-9]*' "$dir/last-report" | awk '{print $3}' || true)/$(grep -o 'kernel drops -\?[0-9]*' "$dir/last-report" | awk '{print $3}' || true)
    local rss_out rss_in
    rss_out=$(awk 'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%.0f", $1 / 1024 }' "$dir/send.rss" 2>/dev/null || true)
    rss_in=$(awk 'NF == 3 && $1 ~ /^[0-9]+$/ { printf "%.0f", $1 / 1024 }' "$dir/receive.rss" 2>/dev/null || true)
    local cpu_out cpu_in
    cpu_out=$(cpu_per_gb "$dir/send.rss") cpu_in=$(cpu_per_gb "$dir/receive.rss")
    # Clean up before answering: the caller reads the answer through a process substitution and starts the next run
    # as soon as it has it, so a removal after it would race with the next send's spool.
    rm -rf "$dir/target" "$dir/inside" "$OUTSIDE_STATE/udp-spool"
    cp -r "$dir" "$LOGS/"
    [[ $intact == yes ]] || published=""
    echo "$(mbit "$payload_bytes" "$start" "$end") $intact ${sent:--} $drops ${setup:--} ${rss_out:--} ${rss_in:--} ${cpu_out:--} ${cpu_in:--} $(mbit "$payload_bytes" "$launched" "$published") $(seconds "$launched" "$published") $(awk -v p="$planned" -v s="$start" 'BEGIN { if (p == "" || s == "") print "-"; else printf "%.0f", (s - p) * 1000 }')"
}

udpcast() { # udpcast TAG REDUNDANCY RUN -> "goodput intact cpu-out cpu-in e2e-goodput e2e-seconds"
    local dir="$WORK/udpcast-$1-$3"
    mkdir -p "$dir"
    # Bounded too: udp-receiver waits for ever when its sender never starts the transfer (seen once at 3 Gbit/s).
    timeout "$((receive_timeout + 60))" ip netns exec "$INSIDE" /usr/bin/time -f '%M %U %S' -o "$dir/receive.time" udp-receiver --interface dd0 --nokbd --file "$dir/out.bin" --rcvbuf 4194304 --receive-timeout 10 \
        > >(stamp >"$dir/receive.out") 2>&1 &
    local receiver=$!
    sleep 0.5
    # udp-sender never started with --max-bitrate 3000m (seen twice; 2000m works, likely a 32-bit count of bits
    # per second), so above 2147 Mbit/s it runs unpaced (as fast as it can, well below such rates here).
    local pacing=(--max-bitrate "${rate_mbit}m")
    ((rate_mbit < 2148)) || pacing=()
    sync
    local launched=$EPOCHREALTIME
    timeout "$((receive_timeout + 60))" ip netns exec "$OUTSIDE" /usr/bin/time -f '%M %U %S' -o "$dir/send.time" udp-sender --interface br0 --file "$TREE/payload.bin" --async --fec "8x$2/128" \
        "${pacing[@]}" --nokbd --autostart 3 --rexmit-hello-interval 100 > >(stamp >"$dir/send.out") 2>&1 || true
    wait "$receiver" || true
    sleep 0.2
    local start end intact=no
    start=$(first_time "$dir/send.out" "Starting transfer")
    end=$(first_time "$dir/receive.out" "Transfer complete")
    if [[ -f $dir/out.bin ]] && [[ $(sha256sum "$dir/out.bin" | cut -d' ' -f1) == "$payload_sha" ]]; then intact=yes; fi
    [[ $intact == yes ]] || end=""
    local cpu_out cpu_in
    cpu_out=$(cpu_per_gb "$dir/send.time") cpu_in=$(cpu_per_gb "$dir/receive.time")
    rm -f "$dir/out.bin"
    cp -r "$dir" "$LOGS/"
    echo "$(mbit "$payload_bytes" "$start" "$end") $intact ${cpu_out:--} ${cpu_in:--} $(mbit "$payload_bytes" "$launched" "$end") $(seconds "$launched" "$end")"
}

# Our ceiling at a rate: the payload share of a datagram on the wire, / (1 + FEC). rs8: at MTU 1500, 1472 = 32
# header + 1436 symbol + 4 checksum, 1500 with IPv4/UDP; rs16: symbols are a multiple of 64 bytes, 1408, so 1444
# and 1472. At other MTUs the same overheads: 64 bytes beside the symbol.
rs8_symbol=$((mtu - 64)) rs16_symbol=$(((mtu - 64) / 64 * 64))
ceiling() { awk -v r="$rate_mbit" -v s="$1" -v w="$2" -v f="$3" 'BEGIN { printf "%.0f", r * s / w / (1 + f / 100) }'; }

# The rs16 options fec-plan gives for a link (its "use:" line).
rs16_options() { "${outside_agent[@]}" fec-plan --rate "${rate_mbit}M" --mtu "$mtu" "$@" | grep -m1 -- '--fec-code rs16' | sed -e 's/^use: *//' -e 's/ *(.*//'; }
rs8_options() { "${outside_agent[@]}" fec-plan --rate "${rate_mbit}M" --mtu "$mtu" "$@" | grep -m1 -- '--fec-code rs8' | sed -e 's/^use: *//' -e 's/ *(.*//'; }
option() { awk -v o="$2" '{ for (i = 1; i < NF; i++) if ($i == o) print $(i + 1) }' <<<"$1"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A fec_ours=([0]=6.25 [1]=12.5 [2]=18.75 [3]=18.75 [4]=25 [5]=25)
declare -A fec_udpcast=([0]=8 [1]=16 [2]=24 [3]=24 [4]=32 [5]=32)
rows=()

# measure LINK-LABEL RUN SET-LOSS-COMMAND RS8-OPTIONS RS16-OPTIONS UDPCAST-REDUNDANCY
measure() {
    local label=$1 run=$2 set_loss=$3 rs8=$4 rs16=$5 redundancy=$6 tag code options fec symbol wire
    tag=$(tr -c 'a-z0-9' '-' <<<"$label")
    for code in $codes; do
        if [[ $code == rs8 ]]; then options=$rs8 symbol=$rs8_symbol wire=$((rs8_symbol + 64)); else options=$rs16 symbol=$rs16_symbol wire=$((rs16_symbol + 64)); fi
        fec=$(option "$options" --fec-overhead)
        $set_loss
        log "$label, run $run: ours $code ($options)"
        local om=- ook=no osent=- odrops=- osetup=- orss=- irss=- ocpu=- icpu=- oe2e=- osecs=- ofirst=-
        # shellcheck disable=SC2086 # the options are words
        read -r om ook osent odrops osetup orss irss ocpu icpu oe2e osecs ofirst < <(ours "$tag-$code-$rate_mbit" "$run" $options) || true
        rows+=("$label|$rate_mbit|$run|ours $code|$options|$(ceiling "$symbol" "$wire" "$fec")|$om|$ook|$osent|$osetup|$odrops|$orss / $irss|$ocpu / $icpu|$oe2e|$osecs|$ofirst")
        log "  ours $code: $om Mbit/s intact=$ook, end to end $oe2e Mbit/s ($osecs s), peak RSS $orss / $irss MiB, CPU $ocpu / $icpu s per GB; receiver: $(cut -c1-300 "$WORK/ours-$tag-$code-$rate_mbit-$run/last-report" 2>/dev/null)"
    done
    ((with_udpcast)) || return 0
    $set_loss
    log "$label, run $run: udpcast (--fec 8x$redundancy/128)"
    local um=- uok=no ucpu=- urcpu=- ue2e=- usecs=-
    read -r um uok ucpu urcpu ue2e usecs < <(udpcast "$tag-$rate_mbit" "$redundancy" "$run") || true
    rows+=("$label|$rate_mbit|$run|udpcast|--fec 8x$redundancy/128|-|$um|$uok|-|-|-|-|$ucpu / $urcpu|$ue2e|$usecs|-")
    log "  udpcast $um Mbit/s intact=$uok, end to end $ue2e Mbit/s ($usecs s), CPU $ucpu / $urcpu s per GB"
}

for rate_mbit in $rates; do
for loss in $losses; do
    [[ -n ${fec_ours[$loss]:-} ]] || die "--losses: 0 to 5 percent"
    rs16=$(rs16_options --loss "$((loss > 0 ? loss : 1))")
    for run in $(seq "$runs"); do
        measure "$loss % random" "$run" "bash scripts/netns.sh loss $NAME 1 random $((loss * 100))" \
            "--fec-code rs8 --fec-overhead ${fec_ours[$loss]}${rs8_interleave:+ $rs8_interleave}" "$rs16" "${fec_udpcast[$loss]}"
    done
done
for burst in $bursts; do
    rs8=$(rs8_options --loss 1 --burst "$burst")
    rs16=$(rs16_options --loss 1 --burst "$burst" --periodic)
    for run in $(seq "$runs"); do
        # The first burst a fifth of the way in: one at the very start would also swallow the first announces.
        measure "1 % in bursts of $burst" "$run" "bash scripts/netns.sh loss $NAME 1 burst $burst $((burst * 100)) $((burst * 20))" \
            "$rs8" "$rs16" 16
    done
done
done

printf '\n%s, %s MiB payload, paced at %s Mbit/s, MTU %s, one-way veth link between namespaces, %s, load average before: %s\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$size_mib" "$rates" "$mtu" "$(nproc) cores, $(uname -r)" "$load_before"
printf '(logs of each run: %s)\n\n' "$LOGS"
printf '| link | rate Mbit/s | run | tool | FEC options | ceiling Mbit/s | goodput Mbit/s | %% of ceiling | intact | end to end Mbit/s | %% of ceiling | start to published (udpcast: finished), s | plan to first packet, ms | sender achieved Mbit/s | setup before the first packet, s | queue waits/kernel drops | peak RSS outside / inside, MiB | CPU s per GB outside / inside |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
percent() { awk -v g="$1" -v c="$2" 'BEGIN { if (g == "-" || c == "-") print "-"; else printf "%.0f %%", 100 * g / c }'; }
for row in "${rows[@]}"; do
    IFS='|' read -r link rate run tool options ceil goodput intact sent setup drops rss cpu e2e secs first <<<"$row"
    printf '| %s | %s | %s | %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$link" "$rate" "$run" "$tool" "$options" "$ceil" "$goodput" "$(percent "$goodput" "$ceil")" "$intact" \
        "$e2e" "$(percent "$e2e" "$ceil")" "$secs" "$first" "$sent" "$setup" "$drops" "$rss" "$cpu"
done
