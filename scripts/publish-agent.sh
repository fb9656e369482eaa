#!/usr/bin/env bash
# Publishes one agent the way the packages ship it: self-contained linux-x64, one file, ReadyToRun, composite.
# scripts/package.sh packages what this makes, and the benchmarks' --published / --packaged options run it, so
# every measurement of "the agent as shipped" is of the same build.
#
#   scripts/publish-agent.sh PROJECT OUT_DIR ARTIFACTS_DIR [--mode composite|r2r|jit] [--log FILE]
#
# PROJECT is the folder under src/ (Sync.Outside or Sync.Inside); the executable lands in OUT_DIR. ARTIFACTS_DIR
# holds the intermediate outputs: kept between runs, a publish over them is incremental. Give each build mode its
# own ARTIFACTS_DIR: an incremental publish over another mode's outputs once made an executable that aborted at
# start. --mode picks the build bench-startup.sh compares: composite (the default, what ships: the agent, its
# libraries and the runtime's own assemblies precompiled together into one image), r2r (ReadyToRun per assembly)
# or jit (no ReadyToRun). The publish's output goes to --log (default: discarded); on failure its error lines are
# printed.
# Exit: 0 published; 1 the publish failed; 2 usage.
set -euo pipefail
root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

(($# >= 3)) || { echo "usage: publish-agent.sh PROJECT OUT_DIR ARTIFACTS_DIR [--mode composite|r2r|jit] [--log FILE]" >&2; exit 2; }
project=$1 out=$2 artifacts=$3
shift 3
mode=composite log=/dev/null
while (($#)); do
    case $1 in
        --mode) mode=${2:-}; shift 2 ;;
        --log) log=$2; shift 2 ;;
        *) echo "publish-agent.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -f $root/src/$project/$project.csproj ]] || { echo "publish-agent.sh: no project src/$project" >&2; exit 2; }

case $mode in
    composite) r2r=true composite=true ;;
    r2r) r2r=true composite=false ;;
    jit) r2r=false composite=false ;;
    *) echo "publish-agent.sh: --mode takes composite, r2r or jit" >&2; exit 2 ;;
esac

# Composite: ReadyToRun per assembly leaves the generic code the runtime's assemblies instantiate over the agent's
# types (every async method's builder, the collections, System.Text.Json's metadata) to the JIT, which then competed
# with the transfer for the two cores: a diode receive JIT-compiled 1,735 methods at tier 0, 371 with composite, and
# a 300 MiB diode generation was published 10-12 % sooner, a 2 GiB push 13 % (docs/benchmarks.md, 2026-12-07).
scratch=$(mktemp)
trap 'rm -f "$scratch"' EXIT
if ! dotnet publish "$root/src/$project" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -p:PublishReadyToRun=$r2r -p:PublishReadyToRunComposite=$composite -p:DebugType=none \
    --artifacts-path "$artifacts" -o "$out" >"$scratch" 2>&1 </dev/null; then
    cat "$scratch" >"$log" 2>/dev/null || true
    grep -E 'error|NETSDK' "$scratch" | head -n 5 >&2 || true
    echo "publish-agent.sh: dotnet publish $project failed (the linux-x64 runtime pack must be restorable)" >&2
    exit 1
fi
cat "$scratch" >"$log" 2>/dev/null || true
