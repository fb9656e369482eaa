#!/usr/bin/env bash
# The whole job end to end on a built-in sample: builds a real signed reprepro repository, exports it as a
# full generation, imports it on the "inside", makes a realistic reprepro update, exports and imports the
# delta, checks the published copy as apt would, and prints a summary.
#
#   scripts/demo.sh [WORK_DIR]     (default: .sample/ in the repository; removed and made anew)
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$root/.sample}
cd "$root"

step() { printf '\n== %s\n' "$*"; }

demo_packages=(reprepro dpkg-dev gnupg xz-utils)
step "installing what the sample needs, only what is missing: ${demo_packages[*]} (apt-get install --no-upgrade: nothing else is upgraded)"
bash scripts/install-deps.sh "${demo_packages[@]}"

step "building"
dotnet build Sync.sln -c Release -v quiet -nologo >/dev/null
outside=(dotnet "$root/src/Sync.Outside/bin/Release/net10.0/sync-outside.dll")
inside=(dotnet "$root/src/Sync.Inside/bin/Release/net10.0/sync-inside.dll")

rm -rf "$work"
mkdir -p "$work/drop"
repo=$work/apt
step "building a signed reprepro repository with 60 packages (dpkg-deb + reprepro + gpg)"
bash scripts/make-apt-repo.sh init "$repo" --packages 60 --size-kib 256

step "outside: keygen, export generation 1 (full)"
"${outside[@]}" keygen --key "$work/outside.key"
"${outside[@]}" export --source "$repo/repo" --state "$work/outside-state" --key "$work/outside.key" --drop "$work/drop" --volume-size 8M
first_bundle=$(du -cb "$work"/drop/sync-g00000001-* | tail -n 1 | cut -f1)

step "inside: import into $work/published (a symlink switched atomically)"
"${inside[@]}" import --drop "$work/drop" --target "$work/published" --state "$work/inside-state" --trust "$work/outside.key.pub"
bash scripts/make-apt-repo.sh check "$work/published" "$repo/gnupg"

step "reprepro update: 6 packages added, 4 removed, 10 upgraded; indices and db rewritten and re-signed"
bash scripts/make-apt-repo.sh update "$repo" --add 6 --remove 4 --upgrade 10

step "outside: export generation 2 (delta)"
"${outside[@]}" export --source "$repo/repo" --state "$work/outside-state" --key "$work/outside.key" --drop "$work/drop" --volume-size 8M
second_bundle=$(du -cb "$work"/drop/sync-g00000002-* | tail -n 1 | cut -f1)

step "inside: import, check as apt would, verify every byte"
"${inside[@]}" import --drop "$work/drop" --target "$work/published" --state "$work/inside-state" --trust "$work/outside.key.pub"
bash scripts/make-apt-repo.sh check "$work/published" "$repo/gnupg"
"${inside[@]}" verify --target "$work/published" --state "$work/inside-state"
diff -r --no-dereference "$repo/repo" "$work/published/" >/dev/null && echo "published tree is identical to the source"
"${inside[@]}" status --state "$work/inside-state"

repo_bytes=$(du -sb "$repo/repo" | cut -f1)
step "summary"
printf 'source repository:        %12d bytes\n' "$repo_bytes"
printf 'generation 1 bundle:      %12d bytes (full)\n' "$first_bundle"
printf 'generation 2 bundle:      %12d bytes (delta: %.1f%% of the repository)\n' "$second_bundle" "$(awk -v a="$second_bundle" -v b="$repo_bytes" 'BEGIN { print 100 * a / b }')"
echo "sample OK: everything is under $work"
