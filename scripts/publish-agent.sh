#!/usr/bin/env bash
# Publishes one agent the way the packages ship it: self-contained linux-x64, one file, ReadyToRun, not composite.
# scripts/package.sh packages what this makes, and the benchmarks' --published / --packaged options run it, so
# every measurement of "the agent as shipped" is of the same build.
#
#   scripts/publish-agent.sh PROJECT OUT_DIR ARTIFACTS_DIR [--jit] [--log FILE]
#
# PROJECT is the folder under src/ (Sync.Outside or Sync.Inside); the executable lands in OUT_DIR. ARTIFACTS_DIR
# holds the intermediate outputs: kept between runs, a publish over them is incremental. Give each build mode its
# own ARTIFACTS_DIR: an incremental publish over another mode's outputs once made an executable that aborted at
# start. --jit publishes without ReadyToRun (bench-startup.sh compares the two). The publish's output goes to
# --log (default: discarded); on failure its error lines are printed.
# Exit: 0 published; 1 the publish failed; 2 usage.
set -euo pipefail
root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

(($# >= 3)) || { echo "usage: publish-agent.sh PROJECT OUT_DIR ARTIFACTS_DIR [--jit] [--log FILE]" >&2; exit 2; }
project=$1 out=$2 artifacts=$3
shift 3
r2r=true log=/dev/null
while (($#)); do
    case $1 in
        --jit) r2r=false; shift ;;
        --log) log=$2; shift 2 ;;
        *) echo "publish-agent.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -f $root/src/$project/$project.csproj ]] || { echo "publish-agent.sh: no project src/$project" >&2; exit 2; }

# Not composite (the single-file default): the runtime's assemblies ship precompiled already, and compiling them
# again into one composite image took 5 minutes per agent on 2 cores for a start-up faster by a tenth.
scratch=$(mktemp)
trap 'rm -f "$scratch"' EXIT
if ! dotnet publish "$root/src/$project" -c Release -r linux-x64 --self-contained \
    -p:PublishSingleFile=true -p:PublishReadyToRun=$r2r -p:PublishReadyToRunComposite=false -p:DebugType=none \
    --artifacts-path "$artifacts" -o "$out" >"$scratch" 2>&1 </dev/null; then
    cat "$scratch" >"$log" 2>/dev/null || true
    grep -E 'error|NETSDK' "$scratch" | head -n 5 >&2 || true
    echo "publish-agent.sh: dotnet publish $project failed (the linux-x64 runtime pack must be restorable)" >&2
    exit 1
fi
cat "$scratch" >"$log" 2>/dev/null || true
