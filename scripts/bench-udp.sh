#!/usr/bin/env bash
# Diode benchmark: sync-outside send / sync-inside receive against udpcast (udp-sender --async --fec) over the
# same one-way namespace link (scripts/netns.sh), the same nftables loss and the same pacing, and prints a table.
#
#   sudo bash scripts/bench-udp.sh [--size-mib 1024] [--rate-mbit 1000] [--losses "0 1 5"] [--runs 1] [--work DIR]
#
# For each loss (percent, random, on the inside's ingress) both tools move one payload file of random bytes:
#   ours     a tree holding the file, `send --full --passes 1` (one pass, no second chance) at --rate, FEC overhead
#            6.25 % at 0 % loss, 12.5 % at 1 %, 25 % at 5 % (k = 128, interleave 64); `receive --once`.
#   udpcast  `udp-sender --async --fec 8xR/128 --max-bitrate RATEm` with the same overhead (R = 8, 16, 32),
#            `udp-receiver --rcvbuf 4M` (udpcast asks with SO_RCVBUF, which net.core.rmem_max caps; ours asks
#            64 MiB with SO_RCVBUFFORCE as root; neither host sysctl is changed).
# Goodput = payload bytes / (time the receiver had it intact - time the sender's first data packet left), from
# timestamped output lines: udp-sender's "Starting transfer" to udp-receiver's "Transfer complete"; our sender's
# "transmission started" (its first packet; the setup before it, buffers and the first encoded windows, is
# printed beside the figures) to our receiver's "received ... checksummed" (the stream's SHA-256 matched). "Intact" is a
# sha256 of what each receiver wrote (ours: the published file) against the payload. Needs root, iproute2,
# nftables, udpcast, and a Release build (built here when missing). Work files go to --work (default /var/tmp).
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

size_mib=1024 rate_mbit=1000 losses="0 1 5" runs=1 work_parent=/var/tmp
while (($#)); do
    case $1 in
        --size-mib) size_mib=$2; shift 2 ;;
        --rate-mbit) rate_mbit=$2; shift 2 ;;
        --losses) losses=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --work) work_parent=$2; shift 2 ;;
        *) echo "bench-udp.sh: unknown option $1 (see the top of the script)" >&2; exit 2 ;;
    esac
done

log() { printf 'bench-udp: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces)"
command -v udp-sender >/dev/null || die "udpcast is not installed: bash scripts/install-deps.sh"
bash scripts/netns.sh check

OUT="$ROOT/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll"
IN="$ROOT/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll"
if [[ ! -f $OUT || ! -f $IN ]]; then
    log "building (Release)"
    dotnet build Sync.sln -c Release -v quiet -nologo >/dev/null
fi

NAME="bench$$"
WORK=$(mktemp -d "$work_parent/sync-bench-udp.XXXXXX")
LOGS="$work_parent/bench-udp-logs.$(date -u +%Y%m%dT%H%M%S)" # each run's outputs, kept for a look at why
mkdir -p "$LOGS"
cleanup() {
    bash "$ROOT/scripts/netns.sh" down "$NAME" || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One pass and no carousel: a receiver that could not rebuild everything from it never will, so give up then.
receive_timeout=$((60 + size_mib / 16))
log "payload: $size_mib MiB of random bytes in $WORK"
mkdir -p "$WORK/tree"
head -c $((size_mib << 20)) /dev/urandom >"$WORK/tree/payload.bin"
payload_sha=$(sha256sum "$WORK/tree/payload.bin" | cut -d' ' -f1)
payload_bytes=$((size_mib << 20))
dotnet "$OUT" keygen --key "$WORK/key" >/dev/null
bash scripts/netns.sh up "$NAME" >/dev/null
OUTSIDE="$NAME-o" INSIDE="$NAME-i1"

# Prefixes each line (a \r ends a line too: udpcast redraws its progress with \r) with the epoch time.
stamp() { stdbuf -oL tr '\r' '\n' | while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }
first_time() { grep -m1 -- "$2" "$1" 2>/dev/null | cut -d' ' -f1 || true; }
mbit() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { if (s == "" || e == "" || e <= s) print "-"; else printf "%.0f", b * 8 / (e - s) / 1e6 }'; }

ours() { # ours LOSS_PERCENT OVERHEAD_PERCENT RUN -> "goodput intact sender-rate receiver-drops"
    local dir="$WORK/ours-$1-$3"
    mkdir -p "$dir"
    # A fresh inside each run; one outside state, so the scan cache spares a re-hash (--full still sends everything).
    ip netns exec "$INSIDE" dotnet "$IN" receive --udp 198.18.0.2:7700 --target "$dir/target" --state "$dir/inside" \
        --trust "$WORK/key.pub" --once --timeout "$receive_timeout" --report-interval 2 > >(stamp >"$dir/receive.out") 2>"$dir/receive.err" &
    local receiver=$!
    for _ in $(seq 100); do ip netns exec "$INSIDE" ss -Hlun 'sport = :7700' | grep -q . && break; sleep 0.1; done
    ip netns exec "$OUTSIDE" dotnet "$OUT" send --source "$WORK/tree" --state "$WORK/outside" --key "$WORK/key" \
        --udp 198.18.0.2:7700 --rate "${rate_mbit}M" --passes 1 --fec-overhead "$2" --full --quiet --verbose \
        > "$dir/send.out" 2> >(stamp >"$dir/send.err") || log "ours at $1 %: send failed (see $dir/send.err)"
    wait "$receiver" || log "ours at $1 %: receive exited $? (see $dir/receive.err)"
    sleep 0.2 # let the stamping pipes drain
    local start end intact=no
    start=$(first_time "$dir/send.err" "transmission started")
    end=$(first_time "$dir/receive.out" "checksummed")
    if [[ -f $dir/target/payload.bin ]] && [[ $(sha256sum "$dir/target/payload.bin" | cut -d' ' -f1) == "$payload_sha" ]]; then intact=yes; fi
    grep 'report:' "$dir/receive.out" | tail -1 | cut -d' ' -f2- >"$dir/last-report"
    # Why a run fell short: the rate the sender achieved, how often the receive thread waited for the decode loop,
    # and packets the kernel dropped at the socket.
    local sent drops setup
    setup=$(grep -o 'first packet out after [0-9.]* s' "$dir/send.err" | awk '{ print $5 }' || true)
    sent=$(grep -o 'at [0-9.]* [MG]bit/s (asked' "$dir/send.out" | awk '{ print ($3 == "Gbit/s") ? $2 * 1000 : $2 }' || true)
    drops=$(grep -o 'queue waits [0-9]*' "$dir/last-report" | awk '{print $3}' || true)/$(grep -o 'kernel drops -\?[0-9]*' "$dir/last-report" | awk '{print $3}' || true)
    echo "$(mbit "$payload_bytes" "$start" "$end") $intact ${sent:--} $drops ${setup:--}"
    rm -rf "$dir/target" "$dir/inside" "$WORK/outside/udp-spool"
    cp -r "$dir" "$LOGS/"
}

udpcast() { # udpcast LOSS_PERCENT REDUNDANCY RUN -> "goodput intact"
    local dir="$WORK/udpcast-$1-$3"
    mkdir -p "$dir"
    ip netns exec "$INSIDE" udp-receiver --interface dd0 --nokbd --file "$dir/out.bin" --rcvbuf 4194304 --receive-timeout 10 \
        > >(stamp >"$dir/receive.out") 2>&1 &
    local receiver=$!
    sleep 0.5
    timeout 900 ip netns exec "$OUTSIDE" udp-sender --interface br0 --file "$WORK/tree/payload.bin" --async --fec "8x$2/128" \
        --max-bitrate "${rate_mbit}m" --nokbd --autostart 3 --rexmit-hello-interval 100 > >(stamp >"$dir/send.out") 2>&1 || true
    wait "$receiver" || true
    sleep 0.2
    local start end intact=no
    start=$(first_time "$dir/send.out" "Starting transfer")
    end=$(first_time "$dir/receive.out" "Transfer complete")
    if [[ -f $dir/out.bin ]] && [[ $(sha256sum "$dir/out.bin" | cut -d' ' -f1) == "$payload_sha" ]]; then intact=yes; fi
    [[ $intact == yes ]] || end=""
    echo "$(mbit "$payload_bytes" "$start" "$end") $intact"
    rm -f "$dir/out.bin"
    cp -r "$dir" "$LOGS/"
}

# Our ceiling at a rate: datagram 1472 = 32 header + 1436 symbol + 4 checksum, +28 IPv4/UDP on the wire, / (1 + FEC).
ceiling() { awk -v r="$rate_mbit" -v f="$1" 'BEGIN { printf "%.0f", r * 1436 / 1500 / (1 + f / 100) }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A fec_ours=([0]=6.25 [1]=12.5 [2]=18.75 [3]=18.75 [4]=25 [5]=25)
declare -A fec_udpcast=([0]=8 [1]=16 [2]=24 [3]=24 [4]=32 [5]=32)
rows=()
for loss in $losses; do
    [[ -n ${fec_ours[$loss]:-} ]] || die "--losses: 0 to 5 percent"
    for run in $(seq "$runs"); do
        bash scripts/netns.sh loss "$NAME" 1 random $((loss * 100))
        log "loss $loss %, run $run: ours (FEC ${fec_ours[$loss]} %)"
        ours_mbit=- ours_ok=no ours_sent=- ours_drops=- ours_setup=- uc_mbit=- uc_ok=no
        read -r ours_mbit ours_ok ours_sent ours_drops ours_setup < <(ours "$loss" "${fec_ours[$loss]}" "$run") || true
        bash scripts/netns.sh loss "$NAME" 1 random $((loss * 100))
        log "loss $loss %, run $run: udpcast (--fec 8x${fec_udpcast[$loss]}/128)"
        read -r uc_mbit uc_ok < <(udpcast "$loss" "${fec_udpcast[$loss]}" "$run") || true
        rows+=("$loss|$run|${fec_ours[$loss]}|$(ceiling "${fec_ours[$loss]}")|$ours_mbit|$ours_ok|$ours_sent|$ours_setup|$ours_drops|8x${fec_udpcast[$loss]}/128|$uc_mbit|$uc_ok")
        log "  ours $ours_mbit Mbit/s intact=$ours_ok; udpcast $uc_mbit Mbit/s intact=$uc_ok; our receiver: $(cut -c1-400 "$WORK/ours-$loss-$run/last-report" 2>/dev/null)"
    done
done

printf '\n%s, %s MiB payload, paced at %s Mbit/s, one-way veth link between namespaces, %s, load average before: %s\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$size_mib" "$rate_mbit" "$(nproc) cores, $(uname -r)" "$load_before"
printf '| loss | run | ours FEC | ours ceiling Mbit/s | ours goodput Mbit/s | %% of ceiling | ours intact | ours sender achieved Mbit/s | ours setup before the first packet, s | ours queue waits/kernel drops | udpcast FEC | udpcast goodput Mbit/s | udpcast intact | ours / udpcast |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
printf '(logs of each run: %s)\n' "$LOGS"
for row in "${rows[@]}"; do
    IFS='|' read -r loss run fec ceil om ook osent osetup odrops ufec um uok <<<"$row"
    pct=$(awk -v g="$om" -v c="$ceil" 'BEGIN { if (g == "-") print "-"; else printf "%.0f %%", 100 * g / c }')
    ratio=$(awk -v a="$om" -v b="$um" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }')
    printf '| %s %% | %s | %s %% | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$loss" "$run" "$fec" "$ceil" "$om" "$pct" "$ook" "$osent" "$osetup" "$odrops" "$ufec" "$um" "$uok" "$ratio"
done
