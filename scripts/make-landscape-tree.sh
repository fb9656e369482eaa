#!/usr/bin/env bash
# make-landscape-tree.sh - build, update and check a tree shaped like Landscape's repository directory
# (/var/lib/landscape/landscape-repository/standalone/) for the Landscape recipe (scripts/landscape-recipe.sh,
# docs/landscape.md).
#
#   make-landscape-tree.sh init   DIR [--packages N] [--size-kib K]
#   make-landscape-tree.sh update DIR [--pocket DIST/CODENAME] [--add N] [--upgrade N] [--remove N]
#   make-landscape-tree.sh check  STANDALONE KEYRING
#
# Layout of DIR made by init:
#   DIR/standalone/.gnupg/      Landscape's GnuPG home: one throwaway, passphrase-less signing key for every pocket
#   DIR/standalone/ubuntu/      reprepro base: series noble and jammy, pockets release, updates, security (mirrors)
#   DIR/standalone/landscape/   reprepro base: a third-party mirror, series noble, pocket release
#   DIR/standalone/internal/    reprepro base: an upload pocket, series noble, pocket staging
#   DIR/key.asc, DIR/keyring.gpg  the public key, armoured and binary (apt's signed-by)
#   DIR/state                   counters for update
#   DIR/last-update             what the last update did, one line a package: added|upgraded|removed NAME [OLD] [NEW]
#
# Landscape's names: each pocket is the reprepro codename SERIES-POCKET (noble-release, noble-updates, ...). The
# release pocket never appears in a suite: it also has Suite: SERIES, and reprepro's suite link dists/noble ->
# noble-release is what `deb URL/ubuntu noble main` reads.
#
# It reuses make-apt-repo.sh's functions (GnuPG home, reprepro calls, payloads, checks). Environment: SIZE_SEED,
# DATA_SEED, KEY_ALGO and VERBOSE as there.
# Exit codes: 0 ok; 1 failure (one line on stderr); 2 usage error.
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=make-apt-repo.sh
source "$HERE/make-apt-repo.sh"
PROG=${0##*/}

UBUNTU_SERIES=(noble jammy)
DEMO_PACKAGES='demo-lib demo-tool' # fixed packages of ubuntu noble-release that an apt client installs; never updated

usage() {
    cat <<EOF
Usage:
  $PROG init   DIR [--packages N] [--size-kib K]
        DIR/standalone/ as Landscape lays it out: distributions ubuntu (noble, jammy: release, updates,
        security), landscape (noble: release) and internal (noble: staging), one reprepro base each, all signed
        with one throwaway key in standalone/.gnupg. N packages (default 40) in each ubuntu release pocket, a
        quarter as many in updates, an eighth in security; payloads between K/4 and 2K KiB (default K=32).
  $PROG update DIR [--pocket DIST/CODENAME] [--add N] [--upgrade N] [--remove N]
        A day's update of one pocket (default ubuntu/noble-security): N packages added (default 2), upgraded
        (default 4) and removed (default 1); the pocket re-exported and re-signed, unreferenced pool files deleted.
  $PROG check  STANDALONE KEYRING
        Every reprepro base under STANDALONE checked as apt would (make-apt-repo.sh check), and every suite link.
EOF
}

# Package NAME VERSION's payload size: make-apt-repo.sh's rule (K/4 .. 2K KiB), keyed by name and version.
pkg_bytes() {
    local key
    key=$(printf '%s %s' "$1" "$2" | cksum)
    payload_size "${key%% *}" 0 "$SIZE_KIB"
}

# build_pkg NAME VERSION ARCH [DEPENDS] -> BUILT (the .deb's path)
build_pkg() {
    local name=$1 version=$2 arch=$3 depends=${4:-}
    pkg_bytes "$name" "$version"
    local root=$WORK/build/${name}_$version
    rm -rf -- "$root"
    mkdir -p -- "$root/DEBIAN" "$root/usr/share/$name" "$root/usr/share/doc/$name"
    write_payload "$root/usr/share/$name/payload.bin" "$PAYLOAD_BYTES" "$name" "$version"
    printf '%s %s: %d bytes of random data for the Landscape recipe.\n' "$name" "$version" "$PAYLOAD_BYTES" \
        >"$root/usr/share/doc/$name/README"
    {
        printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$name" "$version" "$arch"
        printf 'Maintainer: Landscape-shaped test tree <landscape-tree@example.invalid>\n'
        printf 'Installed-Size: %d\n' $(((PAYLOAD_BYTES + 1023) / 1024 + 4))
        if [[ -n $depends ]]; then printf 'Depends: %s\n' "$depends"; fi
        printf 'Section: misc\nPriority: optional\nDescription: %s for the Landscape recipe\n' "$name"
        printf ' Carries %d bytes of incompressible data in /usr/share/%s/.\n' "$PAYLOAD_BYTES" "$name"
    } >"$root/DEBIAN/control"
    if [[ -n ${DATA_SEED:-} ]]; then
        find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    fi
    BUILT=$WORK/incoming/${name}_${version}_$arch.deb
    dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$BUILT" >/dev/null 2>"$TMP/dpkg-deb.log" ||
        die "dpkg-deb --build $name $version failed: $(tail -n 1 "$TMP/dpkg-deb.log")"
    rm -rf -- "$root"
}

# include CODENAME COMPONENT DEB... : into the pocket without exporting (export_base does that once).
include() {
    local codename=$1 component=$2; shift 2
    (($#)) || return 0
    reprepro_run includedeb --export=silent-never -C "$component" includedeb "$codename" "$@"
    rm -f -- "$@"
}

export_base() {
    reprepro_run export export "$@"
    reprepro_run createsymlinks createsymlinks
}

# Packages of a pocket as "name<TAB>version<TAB>arch<TAB>component", sorted.
pocket_list() {
    # shellcheck disable=SC2016 # reprepro's own ${field} syntax
    reprepro_run list --list-format '${package}\t${version}\t${architecture}\t${$component}\n' list "$1"
    sort -u "$TMP/reprepro.log"
}

# Every package number i: every fifth is Architecture: all, every third goes to universe.
arch_of() { if (($1 % 5 == 0)); then echo all; else echo amd64; fi; }
component_of() { if (($1 % 3 == 0)); then echo universe; else echo main; fi; }

# write_distribution BASE CODENAME SUITE COMPONENTS DESCRIPTION UPDATE_RULE
write_distribution() {
    local base=$1 codename=$2 suite=$3 components=$4 description=$5 rule=$6
    {
        printf 'Origin: %s\nLabel: %s\n' "${base##*/}" "${base##*/}"
        if [[ -n $suite ]]; then printf 'Suite: %s\n' "$suite"; fi
        printf 'Codename: %s\nArchitectures: amd64\nComponents: %s\n' "$codename" "$components"
        printf 'Description: %s\nDebIndices: Packages Release . .gz .xz\nSignWith: %s\n' "$description" "$FPR"
        if [[ -n $rule ]]; then printf 'Update: %s\n' "$rule"; fi
        printf '\n'
    } >>"$base/conf/distributions"
    if [[ -n $rule ]]; then
        # The mirror rule Landscape writes for a mirror pocket (never run here: there is no network).
        printf 'Name: %s\nMethod: http://mirror.example.invalid/%s\nSuite: %s\nVerifyRelease: blindtrust\n\n' \
            "$rule" "${base##*/}" "$codename" >>"$base/conf/updates"
    fi
}

new_base() {
    REPO=$STANDALONE/$1
    mkdir -p -- "$REPO/conf"
    : >"$REPO/conf/distributions"
    printf 'noguessgpgtty\n' >"$REPO/conf/options"
}

# fill CODENAME PREFIX FROM TO VERSION [main]: packages PREFIX-FROM..PREFIX-TO at VERSION into the pocket, spread
# over main and universe (or all in main).
fill() {
    local codename=$1 prefix=$2 from=$3 to=$4 version=$5 only=${6:-} i
    local -a main=() universe=()
    for ((i = from; i <= to; i++)); do
        build_pkg "$(printf '%s-%03d' "$prefix" "$i")" "$version" "$(arch_of "$i")"
        if [[ -z $only && $(component_of "$i") == universe ]]; then universe+=("$BUILT"); else main+=("$BUILT"); fi
    done
    include "$codename" main "${main[@]}"
    include "$codename" universe "${universe[@]}"
}

cmd_landscape_init() {
    local dir='' packages=40 size_kib=32
    while (($#)); do
        case $1 in
            --packages) (($# >= 2)) || usage_die "--packages needs a value"; packages=$2; shift 2 ;;
            --size-kib) (($# >= 2)) || usage_die "--size-kib needs a value"; size_kib=$2; shift 2 ;;
            -*) usage_die "init: unknown option $1" ;;
            *) [[ -z $dir ]] || usage_die "init: more than one DIR"; dir=$1; shift ;;
        esac
    done
    [[ -n $dir ]] || usage_die "init: DIR missing"
    { is_uint "$packages" && ((10#$packages >= 8)); } || usage_die "--packages must be an integer of at least 8"
    { is_uint "$size_kib" && ((10#$size_kib >= 1)); } || usage_die "--size-kib must be a positive integer"
    packages=$((10#$packages)) size_kib=$((10#$size_kib))
    local algo=${KEY_ALGO:-ed25519}
    case $algo in ed25519|rsa2048|rsa3072|rsa4096) ;; *) usage_die "KEY_ALGO must be ed25519 or rsa2048" ;; esac

    start_common
    local t0=$SECONDS
    mkdir -p -- "$dir" || die "cannot create $dir"
    DIR=$(abs_dir "$dir") || die "cannot enter $dir"
    [[ ! -e $DIR/standalone && ! -e $DIR/state ]] || die "$DIR is already initialised"
    lock_dir
    STANDALONE=$DIR/standalone WORK=$DIR/work STATE=$DIR/state
    mkdir -p -m 755 -- "$STANDALONE"
    mkdir -p -- "$WORK/incoming" "$WORK/build"
    mkdir -m 700 -- "$STANDALONE/.gnupg"
    use_gnupg_home "$STANDALONE/.gnupg"
    printf 'pinentry-mode loopback\n' >"$STANDALONE/.gnupg/gpg.conf"
    printf 'allow-loopback-pinentry\n' >"$STANDALONE/.gnupg/gpg-agent.conf"
    gpg --batch --pinentry-mode loopback --passphrase '' \
        --quick-gen-key "Landscape Mirror Key (throwaway) <mirror-key@example.invalid>" "$algo" sign never \
        >"$TMP/gpg.log" 2>&1 || die "gpg key generation failed: $(tail -n 1 "$TMP/gpg.log")"
    FPR=$(gpg --batch --with-colons --list-secret-keys 2>>"$TMP/gpg.log" | awk -F: '$1 == "fpr" { print $10; exit }')
    [[ -n $FPR ]] || die "no secret key found after key generation"
    gpg --batch --armor --export "$FPR" >"$DIR/key.asc" 2>>"$TMP/gpg.log"
    gpg --batch --export "$FPR" >"$DIR/keyring.gpg" 2>>"$TMP/gpg.log"
    SIZE_KIB=$size_kib

    local series pocket suite base=2
    new_base ubuntu
    for series in "${UBUNTU_SERIES[@]}"; do
        for pocket in release updates security; do
            suite=''
            if [[ $pocket == release ]]; then suite=$series; fi
            write_distribution "$REPO" "$series-$pocket" "$suite" 'main restricted universe multiverse' \
                "Ubuntu $series $pocket pocket (Landscape-shaped test tree)" "$series-$pocket"
        done
    done
    for series in "${UBUNTU_SERIES[@]}"; do
        # Release: the series' packages at its own version (the pool is shared by the series, as in Landscape).
        fill "$series-release" pkg 1 "$packages" "$base.0-1"
        # Updates and security: newer builds of some of them (disjoint, so one version is one file).
        fill "$series-updates" pkg 1 $((packages / 4)) "$base.0-1ubuntu0.1"
        fill "$series-security" pkg $((packages / 4 + 1)) $((packages / 4 + packages / 8)) "$base.0-1ubuntu0.1"
        base=$((base - 1))
    done
    build_pkg demo-lib 2.0-1 amd64
    local lib=$BUILT
    build_pkg demo-tool 2.0-1 amd64 'demo-lib (>= 2.0-1)'
    include noble-release main "$lib" "$BUILT"
    export_base

    new_base landscape
    write_distribution "$REPO" noble-release noble main "Third-party mirror (Landscape-shaped test tree)" noble-release
    fill noble-release client 1 $((packages / 5)) 24.04-1 main
    export_base

    new_base internal
    write_distribution "$REPO" noble-staging '' main "In-house uploads (Landscape-shaped test tree)" ''
    fill noble-staging tool 1 $((packages / 8)) 1.0-1 main
    export_base

    NEXT_PKG=1000 UPDATES=0
    write_state
    : >"$DIR/last-update"
    landscape_summary "init $DIR (key $FPR)" $((SECONDS - t0))
}

cmd_landscape_update() {
    local dir='' pocket=ubuntu/noble-security add=2 upgrade=4 remove=1
    while (($#)); do
        case $1 in
            --pocket) (($# >= 2)) || usage_die "--pocket needs a value"; pocket=$2; shift 2 ;;
            --add|--remove|--upgrade)
                (($# >= 2)) || usage_die "$1 needs a value"
                is_uint "$2" || usage_die "$1 must be a non-negative integer"
                printf -v "${1#--}" '%d' "$((10#$2))"; shift 2 ;;
            -*) usage_die "update: unknown option $1" ;;
            *) [[ -z $dir ]] || usage_die "update: more than one DIR"; dir=$1; shift ;;
        esac
    done
    [[ -n $dir ]] || usage_die "update: DIR missing"
    [[ $pocket =~ ^([a-z0-9.+-]+)/([a-z0-9.+]+)-([a-z0-9.+]+)$ ]] || usage_die "--pocket must be DIST/SERIES-POCKET"
    local dist=${BASH_REMATCH[1]} series=${BASH_REMATCH[2]} kind=${BASH_REMATCH[3]}

    start_common
    local t0=$SECONDS
    DIR=$(abs_dir "$dir") || die "$dir is not a directory"
    STANDALONE=$DIR/standalone WORK=$DIR/work STATE=$DIR/state REPO=$DIR/standalone/$dist
    [[ -f $STATE && -d $STANDALONE/.gnupg ]] || die "$DIR is not made by '$PROG init'"
    grep -qx "Codename: $series-$kind" "$REPO/conf/distributions" 2>/dev/null || die "no pocket $pocket in $STANDALONE"
    lock_dir
    read_state
    use_gnupg_home "$STANDALONE/.gnupg"
    mkdir -p -- "$WORK/incoming" "$WORK/build"
    local codename=$series-$kind

    pocket_list "$codename" | grep -Ev "^(${DEMO_PACKAGES// /|})	" >"$TMP/current" || true
    # Updates and security take newer builds of release packages; release and upload pockets take new packages.
    local from_release=0
    if [[ $kind == updates || $kind == security ]]; then
        # Release packages with no newer build in updates or security yet (a version is one pool file).
        from_release=1
        { pocket_list "$series-updates"; pocket_list "$series-security"; } >"$TMP/built"
        pocket_list "$series-release" | grep -Ev "^(${DEMO_PACKAGES// /|})	" |
            awk -F'\t' 'NR == FNR { have[$1] = 1; next } !($1 in have)' "$TMP/built" - >"$TMP/candidates"
    fi
    local have
    have=$(wc -l <"$TMP/current")
    ((remove + upgrade <= have)) || die "update: cannot remove $remove and upgrade $upgrade of only $have packages in $pocket"
    if ((from_release)) && ((add > $(wc -l <"$TMP/candidates"))); then
        die "update: only $(wc -l <"$TMP/candidates") release packages of $series have no build in $pocket yet"
    fi
    shuffle() { awk -v seed=$((${SIZE_SEED:-0} * 1000003 + UPDATES + 1)) \
        'BEGIN { srand(seed) } { printf "%.9f\t%s\n", rand(), $0 }' "$1" | sort -k1,1 | cut -f2-; }
    shuffle "$TMP/current" >"$TMP/shuffled"
    : >"$DIR/last-update.tmp"

    local name version arch component
    local -a names=()
    while IFS=$'\t' read -r name version _ _; do
        names+=("$name")
        printf 'removed %s %s\n' "$name" "$version" >>"$DIR/last-update.tmp"
    done < <(head -n "$remove" "$TMP/shuffled")
    if ((${#names[@]})); then reprepro_run remove --export=silent-never remove "$codename" "${names[@]}"; fi

    local -a main=() universe=()
    queue() { if [[ $1 == universe ]]; then universe+=("$BUILT"); else main+=("$BUILT"); fi; }
    while IFS=$'\t' read -r name version arch component; do
        local next
        if [[ $version =~ ^(.*ubuntu0\.)([0-9]+)$ || $version =~ ^(.*-)([0-9]+)$ ]]; then
            next=${BASH_REMATCH[1]}$((BASH_REMATCH[2] + 1))
        else
            die "update: cannot bump version '$version' of $name"
        fi
        build_pkg "$name" "$next" "$arch"
        queue "$component"
        printf 'upgraded %s %s %s\n' "$name" "$version" "$next" >>"$DIR/last-update.tmp"
    done < <(sed -n "$((remove + 1)),$((remove + upgrade))p" "$TMP/shuffled")

    local i
    if ((from_release)); then
        shuffle "$TMP/candidates" | head -n "$add" >"$TMP/added"
        while IFS=$'\t' read -r name version arch component; do
            # ubuntu0.<update number>: a version never reused, even for a package removed and added again.
            build_pkg "$name" "${version}ubuntu0.$((UPDATES + 1))" "$arch"
            queue "$component"
            printf 'added %s %s\n' "$name" "${version}ubuntu0.$((UPDATES + 1))" >>"$DIR/last-update.tmp"
        done <"$TMP/added"
    else
        for ((i = NEXT_PKG; i < NEXT_PKG + add; i++)); do
            name=$(printf 'new-%04d' "$i")
            build_pkg "$name" 1.0-1 "$(arch_of "$i")"
            queue "$(component_of "$i")"
            printf 'added %s %s\n' "$name" 1.0-1 >>"$DIR/last-update.tmp"
        done
        NEXT_PKG=$((NEXT_PKG + add))
    fi
    include "$codename" main "${main[@]}"
    include "$codename" universe "${universe[@]}"
    export_base "$codename"
    reprepro_run deleteunreferenced deleteunreferenced
    UPDATES=$((UPDATES + 1))
    write_state
    mv -f -- "$DIR/last-update.tmp" "$DIR/last-update"
    landscape_summary "update #$UPDATES of $pocket: +$add -$remove ^$upgrade" $((SECONDS - t0))
}

landscape_summary() {
    local files kib
    files=$(find "$STANDALONE" -type f -name '*.deb' | wc -l)
    kib=$(du -sk "$STANDALONE" | cut -f1)
    printf '%s: %s: %d pool files, %d KiB in standalone/, %ss\n' "$PROG" "$1" "$files" "$kib" "$2"
}

cmd_landscape_check() {
    (($# == 2)) || usage_die "check: want STANDALONE KEYRING"
    local standalone=$1 keyring=$2 conf n=0
    [[ -d $standalone ]] || die "check failed: $standalone is not a directory"
    for conf in "$standalone"/*/conf/distributions; do
        [[ -f $conf ]] || continue
        local base=${conf%/conf/distributions}
        # Each suite link (dists/noble -> noble-release) must name a suite of the same base.
        local link
        for link in "$base"/dists/*; do
            [[ -L $link ]] || continue
            [[ $(readlink -- "$link") != */* && -d $link ]] ||
                die "check failed: ${link#"$standalone"/} -> $(readlink -- "$link") is not a suite of ${base##*/}"
        done
        # make-apt-repo.sh names what failed on stderr; one line from here is enough.
        bash "$HERE/make-apt-repo.sh" check "$base" "$keyring" >/dev/null || exit 1
        n=$((n + 1))
    done
    ((n > 0)) || die "check failed: no reprepro base (*/conf/distributions) under $standalone"
    printf 'OK: %s: %d reprepro bases verified\n' "$standalone" "$n"
}

landscape_main() {
    (($#)) || { usage >&2; exit 2; }
    local cmd=$1; shift
    case $cmd in
        init) cmd_landscape_init "$@" ;;
        update) cmd_landscape_update "$@" ;;
        check) cmd_landscape_check "$@" ;;
        help|-h|--help) usage ;;
        *) usage_die "unknown command '$cmd'" ;;
    esac
}

landscape_main "$@"
