#!/usr/bin/env bash
# landscape-recipe.sh - docs/landscape.md's recipe end to end, with the real agents, on a Landscape-shaped tree
# (make-landscape-tree.sh), printing one line per check:
#   a  file drop: the first full sync and a day's update into an in-place standalone/ owned by an unprivileged
#      user (nobody stands in for landscape): entries owned by it, readable by it, checked as apt would;
#   b  the same over gRPC (sync-inside serve, sync-outside push) on loopback;
#   c  a local change (Landscape's reprepro re-signing a pocket on the inside, an operator's file in a suite)
#      refused with exit 3 and its list, status showing it, then --overwrite-local-changes;
#   d  reprepro's lock held by a process on the inside: the import gives up (busy) or waits, and goes on when it
#      is released;
#   e  apt: nginx serves standalone/ as Landscape serves it (/repository/standalone/), an apt client trusting only
#      the repository's key (signed-by) runs apt-get update and apt-get install --download-only, with its own
#      Dir:: directories, before, during (in a loop while the day's update is applied) and after the update;
#      a real dpkg install is left to the container tests;
#   f  transfer sizes: the day's bundle against the whole standalone/.
#
#   scripts/landscape-recipe.sh [--no-build] [--keep] [--work DIR] [--packages N] [--size-kib K]
#
# Needs root (chown, runuser), and nginx, curl, apt, reprepro, dpkg-dev, gnupg (scripts/install-deps.sh).
# Everything it starts (nginx, the gRPC server, a lock holder, the apt loop, gpg-agent) is stopped by pid, and its
# work directory is removed, whatever happens (--keep keeps the directory). Sends traffic to 127.0.0.1 only.
# Exit codes: 0 every check passed; 1 a check failed or the recipe could not run; 2 usage error.
set -uo pipefail

PROG=${0##*/}
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
TREE_SCRIPT=$ROOT/scripts/make-landscape-tree.sh
INSIDE_DLL=$ROOT/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll
OUTSIDE_DLL=$ROOT/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll
APT_PACKAGE=demo-tool # in ubuntu noble-release, depends on demo-lib; the day's updates never touch them

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
usage_die() { printf '%s: %s (usage: %s [--no-build] [--keep] [--work DIR] [--packages N] [--size-kib K])\n' "$PROG" "$*" "$PROG" >&2; exit 2; }

build=1 keep=0 work='' packages=40 size_kib=32
while (($#)); do
    case $1 in
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        --work) (($# >= 2)) || usage_die "--work needs a value"; work=$2; shift 2 ;;
        --packages) (($# >= 2)) || usage_die "--packages needs a value"; packages=$2; shift 2 ;;
        --size-kib) (($# >= 2)) || usage_die "--size-kib needs a value"; size_kib=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) usage_die "unknown argument $1" ;;
    esac
done
[[ $packages =~ ^[0-9]+$ && $size_kib =~ ^[0-9]+$ ]] || usage_die "--packages and --size-kib take integers"

[[ $(id -u) -eq 0 ]] || die "needs root: it publishes for another user (nobody) and reads as that user (runuser)"
for tool in dotnet nginx curl apt-get runuser reprepro dpkg-deb gpg gpgconf ss sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool' (bash scripts/install-deps.sh installs what this needs)"
done
OWNER_UID=$(id -u nobody) && OWNER_GID=$(id -g nobody) || die "no user 'nobody' on this machine"
id -u www-data >/dev/null 2>&1 || die "no user 'www-data' for nginx's workers"

# --- everything started here is stopped by pid ---------------------------------------------------------------------
PIDS=() GPG_HOMES=() SHORT_LINKS=() W='' LOOP=''
cleanup() {
    local pid
    [[ -n $LOOP && -d $LOOP ]] && touch "$LOOP/stop"
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    local home
    for home in "${GPG_HOMES[@]}"; do
        runuser -u nobody -- gpgconf --homedir "$home" --kill gpg-agent >/dev/null 2>&1
    done
    ((${#SHORT_LINKS[@]})) && rm -rf -- "${SHORT_LINKS[@]}"
    if [[ -n $W && -d $W ]]; then
        if ((keep)); then printf '%s: kept %s\n' "$PROG" "$W" >&2; else rm -rf -- "$W"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop PID: ends one process this script started and forgets it.
stop() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$pid" ]] && unset 'PIDS[i]'; done
    PIDS=("${PIDS[@]}")
}

# --- output --------------------------------------------------------------------------------------------------------
PASSED=0 FAILED=0 REASON='' DETAIL=''
T0=$SECONDS
# check ID TEXT FUNCTION ARGS...: one line, ok or FAIL with the function's REASON.
check() {
    local id=$1 text=$2; shift 2
    REASON='' DETAIL=''
    if "$@"; then
        printf 'ok    %-3s %s%s\n' "$id" "$text" "${DETAIL:+ ($DETAIL)}"
        PASSED=$((PASSED + 1))
    else
        printf 'FAIL  %-3s %s: %s\n' "$id" "$text" "${REASON:-failed}"
        FAILED=$((FAILED + 1))
    fi
}
step() { printf -- '--    %s\n' "$*"; }
# run NAME COMMAND...: output to LOGS/NAME.out and .err; RC is the exit code.
run() {
    local name=$1; shift
    "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" </dev/null
    RC=$?
}
last_err() { grep -v '^[[:space:]]*$' "$LOGS/$1.err" | tail -n 1; }

inside() { dotnet "$INSIDE_DLL" "$@"; }
outside() { dotnet "$OUTSIDE_DLL" "$@"; }

# free_port: a TCP port nothing listens on (the caller still retries if it is taken meanwhile).
free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 40000))
        ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return 0; }
    done
    return 1
}

# --- setup ---------------------------------------------------------------------------------------------------------
if [[ -n $work ]]; then
    [[ ! -e $work ]] || die "--work $work already exists"
    mkdir -p -- "$work" || die "cannot create $work"
    W=$(cd -- "$work" && pwd)
else
    W=$(mktemp -d "${TMPDIR:-/tmp}/landscape-recipe.XXXXXX") || die "cannot create a work directory"
fi
chmod 755 "$W" # nobody and nginx's workers must reach the inside trees
runuser -u nobody -- test -x "$W" || die "nobody cannot reach $W: give --work a directory whose parents others may enter"
LOGS=$W/logs
mkdir -p "$LOGS"

if ((build)); then
    step "building sync-outside and sync-inside"
    dotnet build "$ROOT/src/Sync.Inside/Sync.Inside.csproj" -c Release -v quiet -nologo >"$LOGS/build.log" 2>&1 &&
        dotnet build "$ROOT/src/Sync.Outside/Sync.Outside.csproj" -c Release -v quiet -nologo >>"$LOGS/build.log" 2>&1 ||
        die "build failed: $(grep -m1 -E 'error' "$LOGS/build.log")"
fi
[[ -f $INSIDE_DLL && -f $OUTSIDE_DLL ]] || die "the agents are not built ($INSIDE_DLL); run without --no-build"

TREE=$W/outside/tree
SRC=$TREE/standalone
KEYRING=$TREE/keyring.gpg
KEY=$W/outside/outside.key
DROP=$W/drop
step "outside: a Landscape-shaped standalone/ (make-landscape-tree.sh init --packages $packages --size-kib $size_kib)"
bash "$TREE_SCRIPT" init "$TREE" --packages "$packages" --size-kib "$size_kib" >"$LOGS/tree-init.log" 2>&1 ||
    die "make-landscape-tree.sh init failed: $(tail -n 1 "$LOGS/tree-init.log")"
run keygen outside keygen --key "$KEY"
((RC == 0)) || die "sync-outside keygen failed: $(last_err keygen)"
mkdir -p "$DROP"

# Two inside servers, one per carrier: /var/lib/landscape/landscape-repository/standalone/, owned by the service user.
new_inside() {
    local dir=$W/$1
    mkdir -p -m 755 "$dir/landscape-repository"
    install -d -o "$OWNER_UID" -g "$OWNER_GID" -m 755 "$dir/landscape-repository/standalone"
    mkdir -p "$dir/state"
}
new_inside inside-drop
new_inside inside-grpc
DROP_TARGET=$W/inside-drop/landscape-repository/standalone
GRPC_TARGET=$W/inside-grpc/landscape-repository/standalone

export_generation() { # export_generation NAME: a bundle into DROP
    run "$1" outside export --source "$SRC" --state "$W/outside/state-drop" --key "$KEY" --drop "$DROP" --quiet
    ((RC == 0)) || die "sync-outside export failed: $(last_err "$1")"
}
import_drop() { # import_drop NAME [OPTION...]
    local name=$1; shift
    run "$name" inside import --drop "$DROP" --target "$DROP_TARGET" --state "$W/inside-drop/state" \
        --trust "$KEY.pub" --publish in-place --quiet "$@"
}
bundle_bytes() { du -cb "$DROP"/sync-g"$(printf '%08d' "$1")"-* 2>/dev/null | tail -n 1 | cut -f1; }

# --- checks on a published tree ------------------------------------------------------------------------------------
# Every entry below the target: path, kind, mode, size, mtime, link target; and every file's SHA-256.
describe() {
    (cd -- "$1" && find . -mindepth 1 -printf '%P\t%y\t%m\t%s\t%T@\t%l\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
# The same, but without reprepro's locks: the lock files in db/ and the mtime of each db/ directory, which taking and
# releasing a lock moves (reprepro's, and an import's that takes the other bases' locks while it waits for one).
describe_content() {
    describe "$1" | awk -F'\t' -v OFS='\t' '
        NF == 6 && $1 ~ /(^|\/)db\/lockfile$/ { next }
        NF != 6 && $0 ~ /\/db\/lockfile$/ { next }
        NF == 6 && $2 == "d" && $1 ~ /(^|\/)db$/ { $5 = "-" }
        { print }'
}
identical_to_source() { # identical_to_source TARGET [describe_content]: the outside's tree, entry for entry, byte for byte
    local how=${2:-describe}
    "$how" "$SRC" >"$W/src.list"
    "$how" "$1" >"$W/dst.list"
    cmp -s "$W/src.list" "$W/dst.list" && return 0
    REASON="differs from the outside's standalone/: $(diff "$W/src.list" "$W/dst.list" | grep -m1 '^[<>]')"
    return 1
}
owned_and_readable() { # every entry owned by nobody:nogroup; nobody reads every file and may write db/
    local stray
    stray=$(find "$1" \( ! -uid "$OWNER_UID" -o ! -gid "$OWNER_GID" \) -printf '%P (%u:%g)\n' | head -n 3)
    [[ -z $stray ]] || { REASON="not owned by nobody: $stray"; return 1; }
    runuser -u nobody -- find "$1" -type f -exec cat {} + >/dev/null 2>"$W/read.err" ||
        { REASON="nobody cannot read: $(head -n 1 "$W/read.err")"; return 1; }
    runuser -u nobody -- test -w "$1/ubuntu/db" || { REASON="nobody cannot write ubuntu/db"; return 1; }
    DETAIL="$(find "$1" | wc -l) entries"
}
apt_consistent() { # every base checked as apt would: signatures, indices, pool sizes and hashes, suite links
    bash "$TREE_SCRIPT" check "$1" "$KEYRING" >"$W/check.out" 2>&1 || { REASON=$(tail -n 1 "$W/check.out"); return 1; }
}
verified() { # sync-inside verify re-hashes the published tree against its generation
    run verify inside verify --target "$1" --state "$2"
    ((RC == 0)) || { REASON="verify exit $RC: $(last_err verify)"; return 1; }
}
published() { # published NAME GENERATION: the command exited 0 with generation N published
    ((RC == 0)) || { REASON="exit $RC: $(last_err "$1")"; return 1; }
    grep -q "generation $2 " "$LOGS/$1.out" || { REASON="no 'generation $2' in: $(head -n 1 "$LOGS/$1.out")"; return 1; }
    DETAIL=$(head -n 1 "$LOGS/$1.out")
}
tree_checks() { # tree_checks ID TARGET STATE [describe_content]
    check "$1" "published entries are nobody's and nobody reads them" owned_and_readable "$2"
    if [[ -n ${4:-} ]]; then
        check "$1" "identical to the outside's standalone/ (every entry, mode, mtime and byte but db/'s mtime)" identical_to_source "$2" "$4"
    else
        check "$1" "identical to the outside's standalone/ (every entry, mode, mtime and byte)" identical_to_source "$2"
    fi
    check "$1" "every distribution checks out as apt would (InRelease, indices, pool, suite links)" apt_consistent "$2"
    check "$1" "sync-inside verify" verified "$2" "$3"
}

# --- (a) file drop, first full sync --------------------------------------------------------------------------------
step "a: file drop (export to media, import into the inside's standalone/, in place)"
export_generation export-g1
G1_BYTES=$(bundle_bytes 1)
import_drop import-g1
check a1 "import of the full first sync into an empty standalone/ owned by nobody" published import-g1 1
tree_checks a1 "$DROP_TARGET" "$W/inside-drop/state"

# --- (b) gRPC, first full sync -------------------------------------------------------------------------------------
step "b: gRPC (sync-inside serve on loopback, sync-outside push)"
SERVE_PID='' SERVE_PORT=''
start_serve() {
    local attempt port
    for attempt in 1 2 3; do
        port=$(free_port) || break
        dotnet "$INSIDE_DLL" serve --listen "127.0.0.1:$port" --target "$GRPC_TARGET" --state "$W/inside-grpc/state" \
            --trust "$KEY.pub" --publish in-place >"$LOGS/serve.out" 2>"$LOGS/serve.err" </dev/null &
        SERVE_PID=$!
        PIDS+=("$SERVE_PID")
        for _ in $(seq 300); do
            if grep -q "Serving" "$LOGS/serve.out" "$LOGS/serve.err"; then SERVE_PORT=$port; return 0; fi
            kill -0 "$SERVE_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop "$SERVE_PID"
    done
    die "sync-inside serve did not start: $(last_err serve)"
}
push() { # push NAME
    run "$1" outside push --source "$SRC" --state "$W/outside/state-grpc" --key "$KEY" \
        --to "http://127.0.0.1:$SERVE_PORT" --quiet
}
start_serve
push push-g1
check b1 "push of the full first sync to serve's in-place standalone/ owned by nobody" published push-g1 1
tree_checks b1 "$GRPC_TARGET" "$W/inside-grpc/state"

# --- (e) apt before the update -------------------------------------------------------------------------------------
step "e: nginx serves the file-drop inside's standalone/ at /repository/standalone/; apt trusts only the repository key"
NGINX=$W/nginx NGINX_PID='' HTTP_PORT=''
start_nginx() {
    local attempt port
    mkdir -p "$NGINX/tmp"
    for attempt in 1 2 3; do
        port=$(free_port) || break
        cat >"$NGINX/nginx.conf" <<EOF
daemon off;
worker_processes 1;
user www-data;
pid $NGINX/nginx.pid;
error_log $NGINX/error.log;
events { worker_connections 64; }
http {
    access_log $NGINX/access.log;
    client_body_temp_path $NGINX/tmp/body;
    proxy_temp_path $NGINX/tmp/proxy;
    fastcgi_temp_path $NGINX/tmp/fastcgi;
    uwsgi_temp_path $NGINX/tmp/uwsgi;
    scgi_temp_path $NGINX/tmp/scgi;
    types { application/vnd.debian.binary-package deb; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        # standalone/.gnupg holds the signing key: never serve a dot-path
        location ~ /\\. { deny all; }
        location /repository/standalone/ { alias $DROP_TARGET/; autoindex on; }
    }
}
EOF
        nginx -e "$NGINX/error.log" -p "$NGINX" -c "$NGINX/nginx.conf" >"$LOGS/nginx.out" 2>&1 </dev/null &
        NGINX_PID=$!
        PIDS+=("$NGINX_PID")
        for _ in $(seq 100); do
            if curl -fsS -o /dev/null "http://127.0.0.1:$port/repository/standalone/ubuntu/dists/noble/InRelease" 2>/dev/null; then
                HTTP_PORT=$port
                return 0
            fi
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop "$NGINX_PID"
    done
    die "nginx did not start: $(tail -n 1 "$NGINX/error.log" 2>/dev/null)"
}
start_nginx
URL=http://127.0.0.1:$HTTP_PORT/repository/standalone

# An apt client of its own: sources, lists, cache and an empty dpkg status under APT/, the repository key its only trust.
APT=$W/apt
mkdir -p "$APT/etc/sources.list.d" "$APT/etc/preferences.d" "$APT/etc/apt.conf.d" "$APT/etc/trusted.gpg.d" \
    "$APT/lists/partial" "$APT/archives/partial"
: >"$APT/status"
cp "$KEYRING" "$APT/repository.gpg"
chmod -R a+rX "$APT"
{
    for suite in noble noble-updates noble-security; do
        printf 'deb [signed-by=%s] %s/ubuntu %s main universe\n' "$APT/repository.gpg" "$URL" "$suite"
    done
    printf 'deb [signed-by=%s] %s/landscape noble main\n' "$APT/repository.gpg" "$URL"
    printf 'deb [signed-by=%s] %s/internal noble-staging main\n' "$APT/repository.gpg" "$URL"
} >"$APT/etc/sources.list"
cat >"$APT/apt.conf" <<EOF
Dir::Etc "$APT/etc/";
Dir::Etc::sourcelist "sources.list";
Dir::Etc::sourceparts "sources.list.d";
Dir::Etc::parts "apt.conf.d";
Dir::Etc::preferencesparts "preferences.d";
Dir::Etc::trusted "$APT/etc/trusted.gpg";
Dir::Etc::trustedparts "trusted.gpg.d";
Dir::State "$APT/";
Dir::State::lists "lists/";
Dir::State::status "$APT/status";
Dir::Cache "$APT/";
Dir::Cache::archives "archives/";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Acquire::Languages "none";
Acquire::Retries "0";
EOF

# apt_round NAME [PACKAGE]: apt-get update (no error or warning), then apt-get install --download-only PACKAGE.
apt_round() {
    local name=$1 package=${2:-$APT_PACKAGE}
    rm -f "$APT"/archives/*.deb
    APT_CONFIG=$APT/apt.conf apt-get -q update >"$LOGS/$name.update" 2>&1 ||
        { REASON="apt-get update: $(grep -m1 -E '^(E|W):' "$LOGS/$name.update")"; return 1; }
    if grep -qE '^(E|W):' "$LOGS/$name.update"; then
        REASON="apt-get update: $(grep -m1 -E '^(E|W):' "$LOGS/$name.update")"
        return 1
    fi
    APT_CONFIG=$APT/apt.conf apt-get -q -y --download-only install "$package" >"$LOGS/$name.install" 2>&1 ||
        { REASON="apt-get install: $(grep -m1 -E '^(E|W):' "$LOGS/$name.install")"; return 1; }
    DETAIL="$(find "$APT/archives" -maxdepth 1 -name '*.deb' -printf '%f ' | sed 's/ $//')"
}
not_served() { # the signing key's directory is not on the web
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/.gnupg/pubring.kbx")
    [[ $code == 403 || $code == 404 ]] || { REASON="HTTP $code for $URL/.gnupg/pubring.kbx"; return 1; }
    DETAIL="HTTP $code"
}
check e1 "apt-get update and install --download-only $APT_PACKAGE from nginx, before the update" apt_round apt-before
check e1 "standalone/.gnupg is not served" not_served

# --- the day's update on the outside -------------------------------------------------------------------------------
step "outside: a day's update of ubuntu noble-security (make-landscape-tree.sh update), exported"
bash "$TREE_SCRIPT" update "$TREE" >"$LOGS/tree-update1.log" 2>&1 ||
    die "make-landscape-tree.sh update failed: $(tail -n 1 "$LOGS/tree-update1.log")"
UPGRADED=$(awk '$1 == "upgraded" { print $2 "=" $4; exit }' "$TREE/last-update")
export_generation export-g2
G2_BYTES=$(bundle_bytes 2)

# --- (a) + (e) the day's update by file drop, apt in a loop meanwhile ----------------------------------------------
step "a/e: import of the day's update while an apt client loops against nginx"
LOOP=$W/apt-loop
mkdir -p "$LOOP"
apt_loop() {
    local n=0 start
    while [[ ! -e $LOOP/stop ]]; do
        n=$((n + 1))
        start=$(date +%s.%N)
        if apt_round "loop-$n" >/dev/null 2>&1; then
            printf '%s\t%s\tok\t\n' "$start" "$(date +%s.%N)" >>"$LOOP/rounds"
        else
            printf '%s\t%s\tFAIL\t%s\n' "$start" "$(date +%s.%N)" "$REASON" >>"$LOOP/rounds"
        fi
    done
}
: >"$LOOP/rounds"
apt_loop &
LOOP_PID=$!
PIDS+=("$LOOP_PID")
# Let the loop run a while against the old generation, apply, and let it run a while against the new one.
until (($(wc -l <"$LOOP/rounds") >= 2)); do sleep 0.1; done
IMPORT_START=$(date +%s.%N)
import_drop import-g2
IMPORT_END=$(date +%s.%N)
IMPORT_RC=$RC
after=$(wc -l <"$LOOP/rounds")
until (($(wc -l <"$LOOP/rounds") >= after + 2)); do sleep 0.1; done
touch "$LOOP/stop"
wait "$LOOP_PID"
stop "$LOOP_PID"
RC=$IMPORT_RC
check a2 "import of the day's update (in place, reprepro's locks held)" published import-g2 2
tree_checks a2 "$DROP_TARGET" "$W/inside-drop/state"
apt_during() {
    local total during failed
    total=$(wc -l <"$LOOP/rounds")
    during=$(awk -F'\t' -v s="$IMPORT_START" -v e="$IMPORT_END" '$1 < e && $2 > s' "$LOOP/rounds" | wc -l)
    failed=$(awk -F'\t' '$3 == "FAIL"' "$LOOP/rounds" | wc -l)
    DETAIL="$total rounds, $during of them while the import ran"
    ((failed == 0)) || { REASON="$failed of $total rounds failed, first: $(awk -F'\t' '$3 == "FAIL" { print $4; exit }' "$LOOP/rounds")"; return 1; }
    ((during > 0)) || { REASON="no round overlapped the import ($DETAIL)"; return 1; }
}
check e2 "apt-get update and install in a loop while the update was applied: every round succeeded" apt_during
check e3 "apt-get update and install $APT_PACKAGE after the update" apt_round apt-after
upgraded_installs() { # the client gets the version the day's update brought
    local name=${UPGRADED%%=*} version=${UPGRADED#*=}
    [[ -n $UPGRADED ]] || { REASON="the update upgraded nothing"; return 1; }
    apt_round apt-upgraded "$name" || return 1
    compgen -G "$APT/archives/${name}_${version}_*.deb" >/dev/null ||
        { REASON="downloaded $DETAIL, not ${name} ${version}"; return 1; }
}
check e3 "apt-get install --download-only of ${UPGRADED%%=*} gets the version the update brought (${UPGRADED#*=})" upgraded_installs

# --- (b) the day's update by gRPC ----------------------------------------------------------------------------------
push push-g2
check b2 "push of the day's update" published push-g2 2
tree_checks b2 "$GRPC_TARGET" "$W/inside-grpc/state"
PUSH2_BYTES=$(grep -oE '[0-9]+ bytes' "$LOGS/push-g2.out" | head -n 1 | cut -d' ' -f1)
stop "$SERVE_PID"

# --- (f) transfer sizes --------------------------------------------------------------------------------------------
SRC_BYTES=$(du -sb "$SRC" | cut -f1)
SRC_FILES=$(find "$SRC" -type f | wc -l)
sizes() {
    local pct
    pct=$(awk -v a="$G2_BYTES" -v b="$SRC_BYTES" 'BEGIN { printf "%.1f", 100 * a / b }')
    DETAIL="standalone/: $SRC_BYTES bytes in $SRC_FILES files; full first sync: $G1_BYTES bytes of bundle; day's update: $G2_BYTES bytes of bundle ($pct% of copying standalone/), ${PUSH2_BYTES:-?} bytes by push"
    ((G2_BYTES * 4 < SRC_BYTES)) || { REASON="the day's bundle is not far smaller than the tree ($DETAIL)"; return 1; }
}
check f1 "the day's update costs a fraction of copying the whole standalone/" sizes

# --- (c) local changes ---------------------------------------------------------------------------------------------
step "c: a local change on the inside (Landscape's reprepro re-signs noble-security; an operator drops a note in it)"
bash "$TREE_SCRIPT" update "$TREE" >"$LOGS/tree-update2.log" 2>&1 ||
    die "make-landscape-tree.sh update failed: $(tail -n 1 "$LOGS/tree-update2.log")"
export_generation export-g3
# Reprepro runs as the tree's owner with the inside's own GnuPG home (standalone/.gnupg, as Landscape's services do),
# through a short link: gpg-agent's socket path has a length limit.
link_dir=$(mktemp -d /tmp/lsr.XXXXXX) && chmod 755 "$link_dir"
SHORT_LINKS+=("$link_dir")
ln -s "$DROP_TARGET/.gnupg" "$link_dir/g"
GPG_HOMES+=("$link_dir/g")
sleep 1 # a new Date: in the re-signed Release
runuser -u nobody -- reprepro -s --noguessgpgtty --gnupghome "$link_dir/g" -b "$DROP_TARGET/ubuntu" export noble-security \
    >"$LOGS/local-reprepro.log" 2>&1 || die "reprepro on the inside failed: $(tail -n 1 "$LOGS/local-reprepro.log")"
runuser -u nobody -- gpgconf --homedir "$link_dir/g" --kill gpg-agent >/dev/null 2>&1
runuser -u nobody -- sh -c 'echo "checked by the operator" > "$1"' _ "$DROP_TARGET/ubuntu/dists/noble-security/NOTE"
describe "$DROP_TARGET" >"$W/before-refusal.list"
import_drop import-g3-refused
refused() {
    ((RC == 3)) || { REASON="exit $RC, not 3: $(last_err import-g3-refused)"; return 1; }
    local want
    for want in 'ubuntu/dists/noble-security/InRelease (changed)' 'ubuntu/dists/noble-security/NOTE (created here)'; do
        grep -qF "$want" "$LOGS/import-g3-refused.err" || { REASON="'$want' is not in: $(last_err import-g3-refused)"; return 1; }
    done
    describe "$DROP_TARGET" >"$W/now.list"
    cmp -s "$W/now.list" "$W/before-refusal.list" || { REASON="the tree changed"; return 1; }
    DETAIL="$(grep -oE 'error: [0-9]+ entr' "$LOGS/import-g3-refused.err" | grep -oE '[0-9]+') paths listed, each one logged; nothing written"
}
check c1 "import refused (exit 3) with the list of changed paths, nothing written" refused
status_shows() {
    run status inside status --state "$W/inside-drop/state"
    ((RC == 0)) || { REASON="status exit $RC: $(last_err status)"; return 1; }
    grep -q 'refused' "$LOGS/status.out" || { REASON="no 'refused' in status: $(tr '\n' ' ' <"$LOGS/status.out")"; return 1; }
    DETAIL=$(grep -m1 'refused' "$LOGS/status.out" | cut -c1-120)
}
check c2 "status shows the refusal" status_shows
import_drop import-g3 --overwrite-local-changes
overwrote() {
    published import-g3 3 || return 1
    DETAIL=$(grep -m1 -o 'overwrote [0-9]* local change(s)' "$LOGS/import-g3.out" "$LOGS/import-g3.err" | cut -d: -f2)
    [[ -n $DETAIL ]] || { REASON="it did not say what it overwrote"; return 1; }
}
check c3 "--overwrite-local-changes publishes and says what it overwrote" overwrote
tree_checks c3 "$DROP_TARGET" "$W/inside-drop/state"

# --- (d) reprepro's lock -------------------------------------------------------------------------------------------
step "d: reprepro's lock (ubuntu/db/lockfile) held by a process of the tree's owner on the inside"
bash "$TREE_SCRIPT" update "$TREE" --pocket ubuntu/noble-updates >"$LOGS/tree-update3.log" 2>&1 ||
    die "make-landscape-tree.sh update failed: $(tail -n 1 "$LOGS/tree-update3.log")"
# The outside's Landscape is syncing another pocket while the export runs: the export waits for it (the consistency
# guard), scans again once the lock is gone, and the lock never travels.
: >"$SRC/ubuntu/db/lockfile"
( sleep 3; rm -f "$SRC/ubuntu/db/lockfile" ) &
RELEASER=$!
export_generation export-g4
wait "$RELEASER"
outside_lock() {
    grep -q 'Reprepro holds ubuntu/db/lockfile: not carried' "$LOGS/export-g4.err" ||
        { REASON="no warning about the outside's lock: $(last_err export-g4)"; return 1; }
    DETAIL=$(grep -m1 -o 'Reprepro holds.*' "$LOGS/export-g4.err" | cut -c1-100)
}
check d0 "an export started while the outside's reprepro holds its lock waits for it, does not carry the lock, and says so" outside_lock
LOCKFILE=$DROP_TARGET/ubuntu/db/lockfile
# As reprepro takes it: created exclusively (noclobber is O_EXCL), removed when done (here: when told to).
runuser -u nobody -- bash -c 'set -C; : > "$1" || exit 1; until [ -e "$2" ]; do sleep 0.1; done; rm -f "$1"' \
    _ "$LOCKFILE" "$W/release-lock" &
HOLDER=$!
PIDS+=("$HOLDER")
for _ in $(seq 100); do [[ -e $LOCKFILE ]] && break; sleep 0.05; done
[[ -e $LOCKFILE ]] || die "could not take $LOCKFILE as nobody"
describe_content "$DROP_TARGET" >"$W/before-lock.list"
import_drop import-g4-busy --lock-timeout 2s
busy() {
    ((RC == 6)) || { REASON="exit $RC, not 6: $(last_err import-g4-busy)"; return 1; }
    grep -q 'reprepro holds' "$LOGS/import-g4-busy.err" || { REASON="$(last_err import-g4-busy)"; return 1; }
    describe_content "$DROP_TARGET" >"$W/now.list"
    cmp -s "$W/now.list" "$W/before-lock.list" || { REASON="the tree changed"; return 1; }
    DETAIL=$(last_err import-g4-busy | cut -c1-110)
}
check d1 "with --lock-timeout 2s the import gives up: busy (exit 6), nothing written" busy
import_drop_bg() {
    exec dotnet "$INSIDE_DLL" import --drop "$DROP" --target "$DROP_TARGET" --state "$W/inside-drop/state" --trust "$KEY.pub" \
        --publish in-place --quiet --lock-timeout 5m >"$LOGS/import-g4.out" 2>"$LOGS/import-g4.err" </dev/null
}
import_drop_bg &
WAITER=$!
PIDS+=("$WAITER")
sleep 4
waits() {
    kill -0 "$WAITER" 2>/dev/null || { REASON="the import ended while reprepro held the lock: $(last_err import-g4)"; return 1; }
    describe_content "$DROP_TARGET" >"$W/now.list"
    cmp -s "$W/now.list" "$W/before-lock.list" || { REASON="the tree changed while reprepro held the lock"; return 1; }
    DETAIL="still waiting after 4 s, nothing written; meanwhile it holds $(grep -ls '^sync-inside ' "$DROP_TARGET"/*/db/lockfile | wc -l) other base(s)' lock"
}
check d2 "the import waits while reprepro holds the lock" waits
touch "$W/release-lock"
wait "$HOLDER"
stop "$HOLDER"
wait "$WAITER"
RC=$?
for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$WAITER" ]] && unset 'PIDS[i]'; done
PIDS=("${PIDS[@]}")
goes_on() {
    published import-g4 4 || return 1
    [[ ! -e $LOCKFILE ]] || { REASON="db/lockfile left behind"; return 1; }
}
check d3 "released, the import goes on and publishes; no lock file left" goes_on
# The outside's lock moved the source's db/ mtime after the scan, as reprepro's release does: the next export carries it.
tree_checks d3 "$DROP_TARGET" "$W/inside-drop/state" describe_content

# --- summary -------------------------------------------------------------------------------------------------------
printf '%s: %d checks, %d failed, %d s\n' "$PROG" $((PASSED + FAILED)) "$FAILED" $((SECONDS - T0))
((FAILED == 0))
