#!/usr/bin/env bash
# Regenerates deploy/etc/outside.json and deploy/etc/inside.json, the example --config files, from the built agents'
# own options (`sync-outside config-example`), so they list every option with its current default and description.
# A test (ConfigurationFileTests) fails when they drift. Usage: bash scripts/config-examples.sh [Release|Debug]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
configuration=${1:-Release}
dotnet build "$root/src/Sync.Outside/Sync.Outside.csproj" -c "$configuration" -v quiet -nologo >/dev/null
dotnet build "$root/src/Sync.Inside/Sync.Inside.csproj" -c "$configuration" -v quiet -nologo >/dev/null
for side in outside inside; do
    dotnet "$root/src/Sync.${side^}/bin/$configuration/net10.0/sync-$side.dll" config-example >"$root/deploy/etc/$side.json"
    echo "deploy/etc/$side.json: $(grep -c '^ *// "' "$root/deploy/etc/$side.json") options"
done
