#!/usr/bin/env bash
# A one-way (data-diode) link between network namespaces, for the UDP integration tests and bench-udp.sh.
#
#   netns.sh up NAME [--receivers N] [--mtu BYTES]   outside namespace NAME-o, inside namespaces NAME-i1..NAME-iN
#   netns.sh loss NAME RECEIVER none|random PERMYRIAD|burst DROP EVERY [AT]
#   netns.sh counters NAME RECEIVER                  packets the loss rule dropped on that receiver
#   netns.sh down NAME                               deletes every namespace NAME-* this script made
#   netns.sh check                                   exits non-zero, saying why, when this machine cannot run it
#
# Topology: NAME-o holds a bridge br0 (198.18.0.1/24) with one port per inside namespace; each NAME-iK holds
# the other end of its veth pair, dd0, at 198.18.0.(K+1)/24. Addresses come from 198.18.0.0/15 (RFC 2544,
# benchmarking), so nothing here can reach a real network, and every namespace has its own address space:
# concurrent tests with different NAMEs do not see each other. The veth pairs are created directly inside the
# namespaces, so no interface name ever exists in the host namespace.
#
# One-way: a netdev ingress hook on each bridge port in NAME-o drops every frame the inside sends (IP, ARP,
# IGMP, IPv6 ND alike), as a fibre diode would. Because ARP replies cannot come back, NAME-o gets permanent
# neighbour entries for the inside addresses, and the bridge static FDB entries (it can never learn the
# inside MACs). IGMP reports cannot come back either, so multicast snooping is off and groups are flooded.
#
# GSO: the outside's bridge and ports take one segment per packet, so datagrams cross (and are lost) one by one.
#
# Loss: a netdev ingress hook on dd0 inside NAME-iK drops UDP packets: `numgen random mod 10000 < P` (P per
# ten thousand) or `numgen inc mod EVERY AT-(AT+DROP-1)` (a burst of DROP consecutive packets out of every EVERY,
# starting at packet AT of each period; 0 by default, which hits the very first packets).
set -euo pipefail

die() { printf 'netns.sh: %s\n' "$*" >&2; exit 1; }

check() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, veth, nftables)"
    command -v ip >/dev/null || die "ip (iproute2) is not installed: bash scripts/install-deps.sh"
    command -v nft >/dev/null || die "nft (nftables) is not installed: bash scripts/install-deps.sh"
}

ns_out() { printf '%s-o' "$1"; }
ns_in() { printf '%s-i%d' "$1" "$2"; }

up() {
    local name=$1; shift
    local receivers=1 mtu=1500
    while (($#)); do
        case $1 in
            --receivers) receivers=$2; shift 2 ;;
            --mtu) mtu=$2; shift 2 ;;
            *) die "up: unknown option $1" ;;
        esac
    done
    ((receivers >= 1 && receivers <= 200)) || die "up: --receivers must be 1..200"
    check
    [[ -e /run/netns/$(ns_out "$name") ]] && die "namespace $(ns_out "$name") already exists (run 'netns.sh down $name')"

    local out; out=$(ns_out "$name")
    ip netns add "$out"
    # From here on a failure leaves namespaces behind: remove them before reporting it.
    trap 'down "$name" >/dev/null 2>&1 || true' ERR
    ip netns exec "$out" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$out" link set lo up
    ip -n "$out" link add br0 type bridge mcast_snooping 0
    ip -n "$out" link set br0 mtu "$mtu"
    # A sender using UDP GSO hands the kernel one buffer of many datagrams. A NIC cuts it before the wire, but
    # a veth pair passes it whole, and the loss rule would drop a whole batch as one packet: make the kernel
    # cut it here, so the inside sees (and loses) single datagrams, as behind a real diode.
    ip -n "$out" link set br0 gso_max_segs 1
    ip -n "$out" addr add 198.18.0.1/24 brd + dev br0

    local rules="table netdev oneway {"
    local k ins mac
    for ((k = 1; k <= receivers; k++)); do
        ins=$(ns_in "$name" "$k")
        ip netns add "$ins"
        ip netns exec "$ins" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ins" link set lo up
        ip link add name "p$k" netns "$out" mtu "$mtu" type veth peer name dd0 netns "$ins" mtu "$mtu"
        ip -n "$out" link set "p$k" master br0 gso_max_segs 1
        ip -n "$ins" addr add "198.18.0.$((k + 1))/24" brd + dev dd0
        ip -n "$ins" link set dd0 up
        ip -n "$ins" route add 224.0.0.0/4 dev dd0
        ip -n "$out" link set "p$k" up
        mac=$(ip -n "$ins" -br link show dd0 | awk '{print $3}')
        bridge -n "$out" fdb replace "$mac" dev "p$k" master static
        rules+=" chain from_i$k { type filter hook ingress device p$k priority 0; policy drop; };"
    done
    rules+=" }"
    ip -n "$out" link set br0 up
    ip -n "$out" route add 224.0.0.0/4 dev br0
    # After every port is attached: the bridge's own address changes as ports join, which flushes neighbours.
    for ((k = 1; k <= receivers; k++)); do
        mac=$(ip -n "$(ns_in "$name" "$k")" -br link show dd0 | awk '{print $3}')
        ip -n "$out" neigh replace "198.18.0.$((k + 1))" lladdr "$mac" dev br0 nud permanent
    done
    ip netns exec "$out" nft "$rules"
    trap - ERR
    printf 'outside=%s address=198.18.0.1 interface=br0\n' "$out"
    for ((k = 1; k <= receivers; k++)); do
        printf 'inside%d=%s address=198.18.0.%d interface=dd0\n' "$k" "$(ns_in "$name" "$k")" $((k + 1))
    done
}

loss() {
    local name=$1 k=$2 kind=$3; shift 3
    local ins; ins=$(ns_in "$name" "$k")
    [[ -e /run/netns/$ins ]] || die "no namespace $ins"
    ip netns exec "$ins" nft delete table netdev loss 2>/dev/null || true
    local expr
    case $kind in
        none) return 0 ;;
        random) (($1 >= 0 && $1 <= 10000)) || die "loss random: per ten thousand, 0..10000"; expr="numgen random mod 10000 < $1" ;;
        burst)
            local at=${3:-0}
            (($1 >= 1 && at >= 0 && at + $1 <= $2)) || die "loss burst: DROP EVERY [AT] with 1 <= DROP and AT + DROP <= EVERY"
            expr="numgen inc mod $2 $at-$((at + $1 - 1))" ;;
        *) die "loss: none, random PERMYRIAD or burst DROP EVERY [AT]" ;;
    esac
    ip netns exec "$ins" nft "table netdev loss { chain lose { type filter hook ingress device dd0 priority 0; meta l4proto udp $expr counter drop; }; }"
}

counters() {
    local ins; ins=$(ns_in "$1" "$2")
    ip netns exec "$ins" nft list table netdev loss 2>/dev/null | grep -o 'packets [0-9]*' | awk '{print $2}' || echo 0
}

down() {
    local name=$1 ns
    # Only the namespaces this script names for NAME; deleting a namespace deletes its veth ends and rules.
    for ns in "$(ns_out "$name")" $(ip netns list | awk '{print $1}' | grep -E "^${name}-i[0-9]+$" || true); do
        [[ -e /run/netns/$ns ]] && ip netns del "$ns"
    done
    return 0
}

cmd=${1:-}; shift || true
if [[ $cmd != check && -n ${1:-} && ! $1 =~ ^[a-z][a-z0-9]{0,23}$ ]]; then
    die "NAME must be 1-24 lower-case letters and digits, starting with a letter: $1"
fi
case $cmd in
    up) (($# >= 1)) || die "usage: netns.sh up NAME [--receivers N] [--mtu BYTES]"; up "$@" ;;
    loss) (($# >= 3)) || die "usage: netns.sh loss NAME RECEIVER none|random P|burst DROP EVERY [AT]"; loss "$@" ;;
    counters) (($# == 2)) || die "usage: netns.sh counters NAME RECEIVER"; counters "$@" ;;
    down) (($# == 1)) || die "usage: netns.sh down NAME"; down "$1" ;;
    check) check ;;
    *) die "usage: netns.sh up|loss|counters|down|check ... (see the top of this script)" ;;
esac
