#!/usr/bin/env bash
# docker-daemon.sh start|stop - a Docker daemon for the container tests on a machine without systemd.
#
#   start   if no daemon answers, start dockerd (Debian's docker.io) and wait until `docker info` answers;
#           prints the daemon's API version (Testcontainers needs it in DOCKER_API_VERSION: Debian 12's
#           dockerd speaks 1.41, older than the client libraries' default).
#   stop    stop the daemon this script started (its pid is in /run/sync-dockerd.pid); one started otherwise
#           is left alone.
#
# No registry is reachable: containers use host networking (no bridge, no iptables rules are touched) and every
# image is built locally (scripts/build-images.sh). Exit 1 with one line on stderr when the daemon cannot start.
set -euo pipefail

PIDFILE=/run/sync-dockerd.pid
LOG=/var/log/sync-dockerd.log

die() { printf 'docker-daemon: %s\n' "$*" >&2; exit 1; }

api_version() { docker version --format '{{.Server.APIVersion}}' 2>/dev/null; }

start() {
    command -v docker >/dev/null 2>&1 || die "no docker client: apt-get install docker.io"
    if docker info >/dev/null 2>&1; then
        api_version
        return 0
    fi
    command -v dockerd >/dev/null 2>&1 || die "no dockerd and no daemon answering: apt-get install docker.io"
    [[ $(id -u) -eq 0 ]] || die "starting dockerd needs root"
    # --bridge=none/--iptables=false: the host's network and firewall stay as they are; containers use --network host.
    setsid dockerd --bridge=none --iptables=false --ip-masq=false >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local i
    for ((i = 0; i < 120; i++)); do
        if docker info >/dev/null 2>&1; then
            api_version
            return 0
        fi
        kill -0 "$(cat "$PIDFILE")" 2>/dev/null || die "dockerd exited at start: $(tail -n 1 "$LOG")"
        sleep 0.5
    done
    die "dockerd did not answer within 60 s (log: $LOG)"
}

stop() {
    [[ -f $PIDFILE ]] || return 0
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
        kill -TERM "$pid"
        local i
        for ((i = 0; i < 60 && $(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0) == 1; i++)); do sleep 0.5; done
    fi
    rm -f "$PIDFILE"
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    *) printf 'usage: %s start|stop\n' "${0##*/}" >&2; exit 2 ;;
esac
