#!/usr/bin/env bash
# make-apt-repo.sh - build, update and verify a real, signed reprepro APT
# repository for the air-gap sync tests.
#
#   make-apt-repo.sh init   DIR [--packages N] [--size-kib K]
#   make-apt-repo.sh update DIR [--add N] [--remove N] [--upgrade N]
#   make-apt-repo.sh check  REPO_TREE GNUPG_HOME
#   make-apt-repo.sh check  DIR                 (same as: check DIR/repo DIR/gnupg)
#
# Layout of DIR made by init:
#   DIR/gnupg/        throwaway GnuPG home with one passphrase-less signing key
#   DIR/repo/         reprepro tree: conf/ db/ dists/ pool/
#   DIR/debs/         working area for building .deb files (emptied after use)
#   DIR/key.asc       the public key, ASCII armoured
#   DIR/keyring.gpg   the public key as a binary keyring (gpgv --keyring, apt signed-by)
#   DIR/state         counters used by update (next package number, update count)
#
# Environment:
#   SIZE_SEED=N    integer mixed into the per-package payload sizes and into
#                  update's choice of packages to remove/upgrade (default 0).
#   DATA_SEED=S    if set, payload bytes and .deb files are reproducible
#                  (AES-CTR keystream of S/name/version via openssl) instead
#                  of /dev/urandom; SOURCE_DATE_EPOCH defaults to a fixed time.
#   KEY_ALGO=ALGO  key algorithm for init: ed25519 (default) or rsa2048.
#   VERBOSE=1      show reprepro's own output.
#
# Exit codes: 0 ok; 1 failure (check: the first problem is printed on one line
# to stderr); 2 usage error.
#
# Needs: reprepro dpkg-dev (dpkg-deb) gnupg (gpg, gpgv, gpg-agent) xz-utils,
# coreutils, util-linux (flock). No network is used.
set -euo pipefail
set -E

PROG=${0##*/}
CODENAME=sample
COMPONENT=main
# Debian 12's reprepro (5.3.1) refuses 'all' in Architectures ("contains an
# architecture called 'all'"): Architecture: all packages go into binary-amd64.
ARCHES=amd64
NAME_PREFIX=sample-pkg-

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
usage_die() { printf '%s: %s (try: %s help)\n' "$PROG" "$*" "$PROG" >&2; exit 2; }

# One line on any unexpected failure (set -e), printed by the top-level shell only.
on_err() {
    local rc=$? line=$1 cmd=$2
    if [[ $BASH_SUBSHELL -eq 0 ]]; then
        printf '%s: unexpected failure (exit %d) at line %d: %s\n' "$PROG" "$rc" "$line" "$cmd" >&2
    fi
    exit "$rc"
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR

usage() {
    cat <<EOF
Usage:
  $PROG init   DIR [--packages N] [--size-kib K]
        New signed reprepro repository in DIR (gnupg/ repo/ debs/), codename
        '$CODENAME', component '$COMPONENT', architectures '$ARCHES'.
        N packages (default 40) named ${NAME_PREFIX}001.. version 1.0-1, each
        with a random payload between K/4 and 2K KiB (default K=64).
  $PROG update DIR [--add N] [--remove N] [--upgrade N]
        Realistic update of DIR/repo: add N new packages (default 5), remove N
        (default 3), upgrade N (default 8, version 1.0-R -> 1.0-R+1, new payload),
        re-export and re-sign, delete unreferenced pool files.
  $PROG check  REPO_TREE GNUPG_HOME
  $PROG check  DIR
        Verify a published tree like apt would: InRelease (and Release.gpg)
        signatures against the key(s) in GNUPG_HOME (a GnuPG home directory or
        a keyring file), sizes and SHA256 of every index listed in InRelease
        that exists, and Size/SHA256 of every Filename: in every Packages index.
        Exit 0 when good, else the first problem on one line on stderr, exit 1.
Environment: SIZE_SEED, DATA_SEED, KEY_ALGO (ed25519|rsa2048), VERBOSE=1.
EOF
}

need_tools() {
    local t missing=()
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    if ((${#missing[@]})); then
        die "missing tool(s): ${missing[*]} (apt-get install reprepro dpkg-dev gnupg xz-utils)"
    fi
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 < 1000000)); }

# ---------------------------------------------------------------------------
# shared state for init/update

DIR='' REPO='' WORK='' STATE=''
TMP=''
SHORT_GNUPG_LINK=''

cleanup() {
    # Stop only the gpg-agent of this repository's own GnuPG home.
    if [[ -n ${GNUPGHOME:-} && -d $GNUPGHOME ]]; then
        gpgconf --kill gpg-agent >/dev/null 2>&1 || true
    fi
    [[ -n $SHORT_GNUPG_LINK ]] && rm -rf -- "$(dirname -- "$SHORT_GNUPG_LINK")"
    [[ -n $TMP ]] && rm -rf -- "$TMP"
    [[ -n $WORK && -d $WORK ]] && rm -rf -- "$WORK"/build "$WORK"/incoming
    return 0
}

abs_dir() { (cd -P -- "$1" >/dev/null 2>&1 && pwd); }

# Point GNUPGHOME at DIR/gnupg. gpg-agent puts its sockets into the home
# directory when /run/user/UID does not exist, and a unix socket path is
# limited to 107 bytes: for a long DIR go through a short symlink in /tmp.
use_gnupg_home() {
    local home=$1
    export GNUPGHOME=$home
    if [[ ! -d /run/user/$(id -u) ]] && ((${#home} > 80)); then
        local d
        d=$(mktemp -d /tmp/mkapt.XXXXXX)
        ln -s -- "$home" "$d/g"
        SHORT_GNUPG_LINK=$d/g
        export GNUPGHOME=$SHORT_GNUPG_LINK
    fi
    unset GPG_AGENT_INFO
    # No terminal is involved: the key has no passphrase, gpg uses loopback
    # pinentry (gpg.conf), and reprepro is told not to guess GPG_TTY.
}

reprepro_run() {
    # reprepro_run WHAT ARGS... ; one-line error with reprepro's last message.
    local what=$1; shift
    local log=$TMP/reprepro.log
    if [[ ${VERBOSE:-0} == 1 ]]; then
        reprepro --noguessgpgtty --gnupghome "$GNUPGHOME" -b "$REPO" "$@" 2>&1 | tee "$log" >&2 || {
            die "reprepro $what failed: $(grep -v '^ *$' "$log" | tail -n 1)"; }
    else
        reprepro -s --noguessgpgtty --gnupghome "$GNUPGHOME" -b "$REPO" "$@" >"$log" 2>&1 || {
            die "reprepro $what failed: $(grep -v '^ *$' "$log" | tail -n 1)"; }
    fi
}

lock_dir() {
    exec 9>"$DIR/.lock"
    flock -w 120 9 || die "$DIR is locked by another $PROG run"
}

read_state() {
    [[ -f $STATE ]] || die "$DIR/state missing: not made by '$PROG init'?"
    local k v
    NEXT_PKG='' UPDATES='' SIZE_KIB=''
    while IFS='=' read -r k v; do
        case $k in
            next_pkg) NEXT_PKG=$v ;;
            updates) UPDATES=$v ;;
            size_kib) SIZE_KIB=$v ;;
        esac
    done <"$STATE"
    { is_uint "${NEXT_PKG:-x}" && is_uint "${UPDATES:-x}" && is_uint "${SIZE_KIB:-x}"; } ||
        die "$STATE is corrupt"
}

write_state() {
    printf 'format=1\nnext_pkg=%d\nupdates=%d\nsize_kib=%d\n' "$NEXT_PKG" "$UPDATES" "$SIZE_KIB" >"$STATE.tmp"
    mv -f -- "$STATE.tmp" "$STATE"
}

# 32-bit integer mixer (deterministic, no forks); result in MIXED.
mix32() {
    local x=$(( $1 & 0xffffffff ))
    x=$(( ((x ^ (x >> 16)) * 0x45d9f3b) & 0xffffffff ))
    x=$(( ((x ^ (x >> 16)) * 0x45d9f3b) & 0xffffffff ))
    MIXED=$(( x ^ (x >> 16) ))
}

pkg_name() { printf '%s%03d' "$NAME_PREFIX" "$1"; }

# Payload size in bytes for package number I at Debian revision R:
# deterministic, between K/4 and 2K KiB.
payload_size() {
    local i=$1 rev=$2 k=$3
    local min=$(( k * 1024 / 4 )) max=$(( k * 2048 ))
    ((min < 1)) && min=1
    mix32 $(( i * 2654435761 + rev * 40503 + ${SIZE_SEED:-0} * 97531 ))
    PAYLOAD_BYTES=$(( min + MIXED % (max - min + 1) ))
}

write_payload() {
    # write_payload FILE BYTES NAME VERSION
    local file=$1 bytes=$2 name=$3 version=$4
    if [[ -n ${DATA_SEED:-} ]]; then
        local key
        key=$(printf '%s/%s/%s' "$DATA_SEED" "$name" "$version" | sha256sum)
        head -c "$bytes" /dev/zero |
            openssl enc -aes-128-ctr -nosalt -K "${key:0:32}" -iv "${key:32:32}" -out "$file"
    else
        head -c "$bytes" /dev/urandom >"$file"
    fi
}

# build_deb NUMBER VERSION  -> prints the .deb path
build_deb() {
    local i=$1 version=$2
    local name rev arch
    name=$(pkg_name "$i")
    rev=${version##*-}
    # Every fifth package is Architecture: all (listed in binary-amd64).
    if ((i % 5 == 0)); then arch=all; else arch=amd64; fi
    payload_size "$i" "$rev" "$SIZE_KIB"
    local root=$WORK/build/${name}_$version
    rm -rf -- "$root"
    mkdir -p -- "$root/DEBIAN" "$root/usr/share/$name" "$root/usr/share/doc/$name"
    write_payload "$root/usr/share/$name/payload.bin" "$PAYLOAD_BYTES" "$name" "$version"
    printf '%s %s: %d bytes of random data for air-gap sync tests.\n' "$name" "$version" "$PAYLOAD_BYTES" \
        >"$root/usr/share/doc/$name/README"
    cat >"$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: Sample Repository <sample-repo@example.invalid>
Installed-Size: $(( (PAYLOAD_BYTES + 1023) / 1024 + 4 ))
Section: misc
Priority: optional
Description: sample package $i for air-gap sync tests
 Carries $PAYLOAD_BYTES bytes of incompressible data in /usr/share/$name/.
EOF
    if [[ -n ${DATA_SEED:-} ]]; then
        find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    fi
    local out=$WORK/incoming/${name}_${version}_$arch.deb
    dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$out" >/dev/null 2>"$TMP/dpkg-deb.log" ||
        die "dpkg-deb --build $name $version failed: $(tail -n 1 "$TMP/dpkg-deb.log")"
    rm -rf -- "$root"
    DEBS+=("$out")
}

include_debs() {
    ((${#DEBS[@]})) || return 0
    reprepro_run includedeb includedeb "$CODENAME" "${DEBS[@]}"
    rm -f -- "${DEBS[@]}"
    DEBS=()
}

# Current packages as "name<TAB>version<TAB>arch", one per package, sorted.
list_packages() {
    # shellcheck disable=SC2016 # reprepro's own ${field} syntax
    reprepro_run list --list-format '${package}\t${version}\t${architecture}\n' \
        -T deb listfilter "$CODENAME" 'Package'
    sort -u "$TMP/reprepro.log" | awk -v p="$NAME_PREFIX" 'index($0, p) == 1' 
}

summary() {
    local what=$1 secs=$2
    local npkg nfiles kib
    list_packages >"$TMP/list"
    npkg=$(wc -l <"$TMP/list")
    nfiles=0 kib=0
    if [[ -d $REPO/pool ]]; then
        nfiles=$(find "$REPO/pool" -type f -name '*.deb' | wc -l)
        kib=$(du -sk "$REPO/pool" | cut -f1)
    fi
    printf '%s: %s: %d packages, %d pool files (%d KiB), %ss\n' "$PROG" "$what" "$npkg" "$nfiles" "$kib" "$secs"
}

start_common() {
    need_tools reprepro dpkg-deb gpg gpgconf gpg-agent flock sha256sum
    [[ -z ${DATA_SEED:-} ]] || need_tools openssl
    if [[ -n ${DATA_SEED:-} ]]; then export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}; fi
    is_uint "${SIZE_SEED:-0}" || usage_die "SIZE_SEED must be a non-negative integer"
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/mkapt-tmp.XXXXXX")
    trap cleanup EXIT
    DEBS=()
}

# ---------------------------------------------------------------------------
cmd_init() {
    local dir='' packages=40 size_kib=64
    while (($#)); do
        case $1 in
            --packages) (($# >= 2)) || usage_die "--packages needs a value"; packages=$2; shift 2 ;;
            --packages=*) packages=${1#*=}; shift ;;
            --size-kib) (($# >= 2)) || usage_die "--size-kib needs a value"; size_kib=$2; shift 2 ;;
            --size-kib=*) size_kib=${1#*=}; shift ;;
            -*) usage_die "init: unknown option $1" ;;
            *) [[ -z $dir ]] || usage_die "init: more than one DIR"; dir=$1; shift ;;
        esac
    done
    [[ -n $dir ]] || usage_die "init: DIR missing"
    is_uint "$packages" || usage_die "--packages must be a non-negative integer"
    { is_uint "$size_kib" && ((10#$size_kib >= 1)); } || usage_die "--size-kib must be a positive integer"
    packages=$((10#$packages)) size_kib=$((10#$size_kib))
    local algo=${KEY_ALGO:-ed25519}
    case $algo in ed25519|rsa2048|rsa3072|rsa4096) ;; *) usage_die "KEY_ALGO must be ed25519 or rsa2048" ;; esac

    start_common
    local t0=$SECONDS
    mkdir -p -- "$dir" || die "cannot create $dir"
    DIR=$(abs_dir "$dir") || die "cannot enter $dir"
    for sub in repo gnupg state; do
        [[ ! -e $DIR/$sub ]] || die "$DIR is already initialised ($sub exists)"
    done
    lock_dir
    REPO=$DIR/repo WORK=$DIR/debs STATE=$DIR/state
    mkdir -p -- "$REPO/conf" "$WORK"
    mkdir -m 700 -- "$DIR/gnupg"
    use_gnupg_home "$DIR/gnupg"

    printf 'pinentry-mode loopback\n' >"$DIR/gnupg/gpg.conf"
    printf 'allow-loopback-pinentry\n' >"$DIR/gnupg/gpg-agent.conf"
    gpg --batch --pinentry-mode loopback --passphrase '' \
        --quick-gen-key "Sample APT Repository <sample-repo@example.invalid>" "$algo" sign never \
        >"$TMP/gpg.log" 2>&1 || die "gpg key generation failed: $(tail -n 1 "$TMP/gpg.log")"
    local fpr
    fpr=$(gpg --batch --with-colons --list-secret-keys 2>>"$TMP/gpg.log" | awk -F: '$1 == "fpr" { print $10; exit }')
    [[ -n $fpr ]] || die "no secret key found after key generation"
    gpg --batch --armor --export "$fpr" >"$DIR/key.asc" 2>>"$TMP/gpg.log"
    gpg --batch --export "$fpr" >"$DIR/keyring.gpg" 2>>"$TMP/gpg.log"

    cat >"$REPO/conf/distributions" <<EOF
Origin: Sample
Label: Sample
Suite: $CODENAME
Codename: $CODENAME
Version: 1.0
Architectures: $ARCHES
Components: $COMPONENT
Description: Sample repository for air-gap sync tests
DebIndices: Packages Release . .gz .xz
SignWith: $fpr
EOF
    # Options read by every reprepro run on this tree (also by hand).
    cat >"$REPO/conf/options" <<EOF
noguessgpgtty
EOF

    NEXT_PKG=1 UPDATES=0 SIZE_KIB=$size_kib
    mkdir -p -- "$WORK/incoming" "$WORK/build"
    local i
    for ((i = 1; i <= packages; i++)); do
        build_deb "$i" 1.0-1
    done
    NEXT_PKG=$((packages + 1))
    include_debs
    # Export even when there is no package, so dists/ always exists and is signed.
    reprepro_run export export "$CODENAME"
    write_state
    summary "init $DIR (key $fpr)" $((SECONDS - t0))
}

# ---------------------------------------------------------------------------
cmd_update() {
    local dir='' add=5 remove=3 upgrade=8 explicit=''
    while (($#)); do
        case $1 in
            --add|--remove|--upgrade)
                (($# >= 2)) || usage_die "$1 needs a value"
                is_uint "$2" || usage_die "$1 must be a non-negative integer"
                printf -v "${1#--}" '%d' "$((10#$2))"; explicit+=" ${1#--}"; shift 2 ;;
            --add=*|--remove=*|--upgrade=*)
                local k=${1%%=*} v=${1#*=}
                is_uint "$v" || usage_die "$k must be a non-negative integer"
                printf -v "${k#--}" '%d' "$((10#$v))"; explicit+=" ${k#--}"; shift ;;
            -*) usage_die "update: unknown option $1" ;;
            *) [[ -z $dir ]] || usage_die "update: more than one DIR"; dir=$1; shift ;;
        esac
    done
    [[ -n $dir ]] || usage_die "update: DIR missing"

    start_common
    local t0=$SECONDS
    DIR=$(abs_dir "$dir") || die "$dir is not a directory"
    REPO=$DIR/repo WORK=$DIR/debs STATE=$DIR/state
    [[ -f $REPO/conf/distributions && -d $DIR/gnupg ]] || die "$DIR is not made by '$PROG init'"
    lock_dir
    read_state
    use_gnupg_home "$DIR/gnupg"
    mkdir -p -- "$WORK/incoming" "$WORK/build"

    list_packages >"$TMP/current"
    local have
    have=$(wc -l <"$TMP/current")
    # Defaults (not explicit values) shrink to fit a small repository.
    [[ $explicit == *remove* ]] || ((remove <= have)) || remove=$have
    ((remove <= have)) || die "update: cannot remove $remove of only $have packages"
    [[ $explicit == *upgrade* ]] || ((remove + upgrade <= have)) || upgrade=$((have - remove))
    ((remove + upgrade <= have)) ||
        die "update: cannot remove $remove and upgrade $upgrade of only $have packages"

    # Deterministic pick (per update number and SIZE_SEED): shuffle, first
    # REMOVE are removed, the next UPGRADE are upgraded.
    awk -v seed=$(( ${SIZE_SEED:-0} * 1000003 + UPDATES + 1 )) \
        'BEGIN { srand(seed) } { printf "%.9f\t%s\n", rand(), $0 }' "$TMP/current" |
        sort -k1,1 | cut -f2- >"$TMP/shuffled"
    awk -v a="$remove" 'NR <= a' "$TMP/shuffled" | sort >"$TMP/remove"
    awk -v a="$remove" -v b="$upgrade" 'NR > a && NR <= a + b' "$TMP/shuffled" | sort >"$TMP/upgrade"

    # Remove.
    if ((remove > 0)); then
        local names=()
        mapfile -t names < <(cut -f1 "$TMP/remove")
        reprepro_run remove remove "$CODENAME" "${names[@]}"
    fi

    # Upgrade (1.0-R -> 1.0-R+1) and add new packages, included in one run.
    local name version num rev arch
    while IFS=$'\t' read -r name version arch; do
        num=$((10#${name#"$NAME_PREFIX"}))
        [[ $version =~ ^(.*-)([0-9]+)$ ]] || die "update: cannot bump version '$version' of $name"
        rev=$(( BASH_REMATCH[2] + 1 ))
        build_deb "$num" "${BASH_REMATCH[1]}$rev"
    done <"$TMP/upgrade"
    local i
    for ((i = NEXT_PKG; i < NEXT_PKG + add; i++)); do
        build_deb "$i" 1.0-1
    done
    include_debs
    NEXT_PKG=$((NEXT_PKG + add))

    # Make sure indices are current even when nothing changed, then drop
    # old versions and removed packages from the pool.
    if ((remove + upgrade + add == 0)); then reprepro_run export export "$CODENAME"; fi
    reprepro_run deleteunreferenced deleteunreferenced
    UPDATES=$((UPDATES + 1))
    write_state
    summary "update #$UPDATES of $DIR: +$add -$remove ^$upgrade" $((SECONDS - t0))
}

# ---------------------------------------------------------------------------
# check

PROBLEM() { printf '%s: check failed: %s\n' "$PROG" "$*" >&2; exit 1; }

safe_relpath() {
    [[ -n $1 && $1 != /* && ! $1 =~ (^|/)\.\.(/|$) ]]
}

cmd_check() {
    (($# >= 1 && $# <= 2)) || usage_die "check: want REPO_TREE GNUPG_HOME (or an init DIR)"
    local tree=$1 keysrc=${2:-}
    if [[ -z $keysrc ]]; then
        [[ -d $tree/repo && -d $tree/gnupg ]] ||
            usage_die "check: GNUPG_HOME missing (one argument must be an init DIR with repo/ and gnupg/)"
        keysrc=$tree/gnupg tree=$tree/repo
    fi
    need_tools gpg gpgv sha256sum gzip xz
    local root
    [[ -d $tree ]] || PROBLEM "$tree is not a directory"
    root=$(abs_dir "$tree") || PROBLEM "cannot enter $tree"
    [[ -e $keysrc ]] || PROBLEM "GNUPG_HOME $keysrc does not exist"

    TMP=$(mktemp -d "${TMPDIR:-/tmp}/mkapt-check.XXXXXX")
    trap 'rm -rf -- "$TMP"' EXIT
    # A private, empty GnuPG home: the user's ~/.gnupg is never read or written.
    mkdir -m 700 "$TMP/h"
    local keyring=$TMP/keyring.gpg
    if [[ -d $keysrc ]]; then
        gpg --homedir "$keysrc" --batch --no-auto-check-trustdb --lock-never --no-permission-warning \
            --export >"$keyring" 2>"$TMP/gpg.log" || PROBLEM "cannot read keys from $keysrc: $(tail -n 1 "$TMP/gpg.log")"
    elif head -c 40 -- "$keysrc" | grep -q -- '-----BEGIN PGP'; then
        gpg --homedir "$TMP/h" --batch --dearmor <"$keysrc" >"$keyring" 2>"$TMP/gpg.log" ||
            PROBLEM "cannot dearmor $keysrc: $(tail -n 1 "$TMP/gpg.log")"
    else
        cp -- "$keysrc" "$keyring"
    fi
    [[ -s $keyring ]] || PROBLEM "no public key found in $keysrc"

    local dists=() d
    for d in "$root"/dists/*/; do
        [[ -d $d ]] || continue
        [[ -e $d/InRelease || -e $d/Release ]] && dists+=("${d%/}")
    done
    ((${#dists[@]})) || PROBLEM "no dists/*/InRelease under $root"

    local nidx=0 ndeb=0
    : >"$TMP/debs"
    for d in "${dists[@]}"; do
        local rel=${d#"$root"/}
        [[ -f $d/InRelease ]] || PROBLEM "$rel/InRelease missing"
        gpgv --homedir "$TMP/h" --keyring "$keyring" --output "$TMP/Release" "$d/InRelease" \
            >"$TMP/gpgv.log" 2>&1 ||
            PROBLEM "$rel/InRelease: bad or unknown signature: $(grep -v '^ *$' "$TMP/gpgv.log" | tail -n 1)"
        # apt's fallback path: Release + Release.gpg, when present, must verify too
        # and say the same as InRelease.
        if [[ -e $d/Release.gpg ]]; then
            [[ -f $d/Release ]] || PROBLEM "$rel/Release.gpg present but $rel/Release missing"
            gpgv --homedir "$TMP/h" --keyring "$keyring" "$d/Release.gpg" "$d/Release" >"$TMP/gpgv.log" 2>&1 ||
                PROBLEM "$rel/Release.gpg: bad signature over $rel/Release: $(grep -v '^ *$' "$TMP/gpgv.log" | tail -n 1)"
        fi
        if [[ -f $d/Release ]]; then
            cmp -s -- "$TMP/Release" "$d/Release" || PROBLEM "$rel/Release differs from the signed content of $rel/InRelease"
        fi

        # SHA256 section: " hash size path"
        awk '/^[^ \t]/ { insha = ($0 ~ /^SHA256:/); next }
             insha && NF == 3 { print $1 "\t" $2 "\t" $3 }' "$TMP/Release" >"$TMP/sha"
        [[ -s $TMP/sha ]] || PROBLEM "$rel/InRelease has no SHA256 entries"

        local hash size path f actual
        : >"$TMP/pkgidx"
        while IFS=$'\t' read -r hash size path; do
            safe_relpath "$path" || PROBLEM "$rel/InRelease lists unsafe path '$path'"
            f=$d/$path
            case $path in
                */binary-*/Packages|*/binary-*/Packages.gz|*/binary-*/Packages.xz|*/binary-*/Packages.bz2)
                    printf '%s\n' "$path" >>"$TMP/pkgidx" ;;
            esac
            [[ -e $f || -L $f ]] || continue
            [[ -f $f ]] || PROBLEM "$rel/$path is not a regular file"
            actual=$(stat -L -c %s -- "$f")
            [[ $actual == "$size" ]] || PROBLEM "$rel/$path: size $actual, InRelease says $size"
            actual=$(sha256sum <"$f") actual=${actual%% *}
            [[ $actual == "$hash" ]] || PROBLEM "$rel/$path: SHA256 mismatch (InRelease says $hash)"
            nidx=$((nidx + 1))
        done <"$TMP/sha"

        # One readable variant per Packages index (all variants were hash-checked above).
        local base
        while read -r base; do
            local dec=() ext
            for ext in '' .xz .gz .bz2; do
                [[ -f $d/$base$ext ]] || continue
                case $ext in
                    '') dec=(cat) ;; .xz) dec=(xz -dc) ;; .gz) dec=(gzip -dc) ;; .bz2) dec=(bzip2 -dc) ;;
                esac
                break
            done
            ((${#dec[@]})) || PROBLEM "$rel/$base is listed in InRelease but no variant of it exists"
            "${dec[@]}" -- "$d/$base$ext" >"$TMP/Packages" 2>"$TMP/unpack.log" ||
                PROBLEM "$rel/$base$ext: cannot decompress: $(tail -n 1 "$TMP/unpack.log")"
            awk -v idx="$rel/$base" '
                function flush() {
                    if (started) {
                        if (fn == "") { print "ERR\tstanza for package " pkg " in " idx " has no Filename"; exit }
                        if (sz == "" || sh == "") { print "ERR\t" idx ": " pkg " lacks Size or SHA256"; exit }
                        print fn "\t" sz "\t" sh "\t" pkg "\t" idx
                    }
                    started = 0; fn = sz = sh = pkg = ""
                }
                /^[ \t]*$/ { flush(); next }
                { started = 1 }
                /^Package:/ { pkg = $2 }
                /^Filename:/ { fn = $2 }
                /^Size:/ { sz = $2 }
                /^SHA256:/ { sh = $2 }
                END { flush() }' "$TMP/Packages" >>"$TMP/debs"
            if grep -q '^ERR' "$TMP/debs"; then PROBLEM "$(grep -m1 '^ERR' "$TMP/debs" | cut -f2-)"; fi
        done < <(sed -E 's/\.(gz|xz|bz2)$//' "$TMP/pkgidx" | awk '!seen[$0]++')
    done

    # Every Filename: exists under the tree with the listed Size and SHA256.
    # Same file listed twice (arch all in several indices) must agree.
    awk -F'\t' '{ if (($1 in sz) && (sz[$1] != $2 || sh[$1] != $3)) {
                      print "ERR\t" $1 " listed with different Size/SHA256 in " idx[$1] " and " $5; exit }
                  if (!($1 in sz)) { sz[$1] = $2; sh[$1] = $3; idx[$1] = $5; print } }' "$TMP/debs" >"$TMP/uniq"
    if grep -q '^ERR' "$TMP/uniq"; then PROBLEM "$(grep -m1 '^ERR' "$TMP/uniq" | cut -f2-)"; fi

    local fn pkg idx
    while IFS=$'\t' read -r fn _ _ pkg idx; do
        safe_relpath "$fn" || PROBLEM "$idx: $pkg has unsafe Filename '$fn'"
        [[ -e $root/$fn ]] || PROBLEM "$fn missing (Filename of $pkg in $idx)"
        [[ -f $root/$fn ]] || PROBLEM "$fn is not a regular file (Filename of $pkg in $idx)"
    done <"$TMP/uniq"
    ndeb=$(wc -l <"$TMP/uniq")
    if ((ndeb > 0)); then
        # Bulk stat and hash (two cores), then compare in index order.
        (cd -- "$root" && cut -f1 "$TMP/uniq" | xargs -d '\n' stat -L -c '%s %n' --) >"$TMP/sizes" ||
            PROBLEM "cannot stat pool files"
        (cd -- "$root" && cut -f1 "$TMP/uniq" | xargs -d '\n' -n 32 -P 2 sha256sum --) >"$TMP/sums" ||
            PROBLEM "cannot read pool files"
        local bad
        bad=$(awk -F'\t' '
            FILENAME == ARGV[1] { p = index($0, " "); size[substr($0, p + 1)] = substr($0, 1, p - 1); next }
            FILENAME == ARGV[2] { sum[substr($0, 67)] = substr($0, 1, 64); next }
            {
                if (size[$1] != $2) { print $1 ": size " size[$1] ", " $5 " says " $2 " (" $4 ")"; exit }
                if (sum[$1] != $3) { print $1 ": SHA256 mismatch with " $5 " (" $4 ")"; exit }
            }' "$TMP/sizes" "$TMP/sums" "$TMP/uniq")
        [[ -z $bad ]] || PROBLEM "$bad"
    fi
    printf 'OK: %s: %d dist(s), %d index files and %d packages verified\n' "$root" "${#dists[@]}" "$nidx" "$ndeb"
}

# ---------------------------------------------------------------------------
main() {
    (($#)) || { usage >&2; exit 2; }
    local cmd=$1; shift
    case $cmd in
        init) cmd_init "$@" ;;
        update) cmd_update "$@" ;;
        check) cmd_check "$@" ;;
        help|-h|--help) usage ;;
        *) usage_die "unknown command '$cmd'" ;;
    esac
}

# Run, this is the command; sourced (make-landscape-tree.sh), it only lends its functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
