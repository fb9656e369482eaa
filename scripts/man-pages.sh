#!/usr/bin/env bash
# man-pages.sh AGENT_BINARY OUTDIR - writes the manual pages of one agent into OUTDIR: AGENT.1 (the agent, its
# commands, exit status, files) and AGENT-COMMAND.1 for every command (its options, from the command's own --help,
# so a page never lists an option the binary does not take). The prose that --help cannot give lives in
# deploy/man/AGENT.roff (description, files) and deploy/man/exit-status.roff (shared). Used by scripts/package.sh.
set -euo pipefail

die() { printf 'man-pages: %s\n' "$*" >&2; exit 1; }
(($# == 2)) || { printf 'usage: %s AGENT_BINARY OUTDIR\n' "${0##*/}" >&2; exit 2; }
bin=$1 out=$2
[[ -x $bin ]] || die "'$bin' is not an executable"
root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
agent=$(basename -- "$bin")
prose=$root/deploy/man/$agent.roff
[[ -f $prose ]] || die "no $prose"
mkdir -p "$out"

version=$("$bin" --version 2>&1) || die "'$bin --version' failed: ${version:0:200}"
version=${version%%+*}
# The date of the commit that last touched the sources, so the pages are reproducible.
date=$(git -C "$root" log -1 --format=%cs 2>/dev/null || date -u +%Y-%m-%d)
title() { printf '.TH %s 1 "%s" "%s %s" "Air-gap repository sync"\n' "$(upper "$1")" "$date" "$agent" "$version"; }
upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }

# help_to_roff SECTION: the entries of one --help section ("Options:" or "Commands:") as .TP paragraphs.
# An entry is "  SPEC  DESCRIPTION": SPEC ends at the first run of two spaces. Text is escaped for roff.
help_to_roff() {
    awk -v want="$1" -v agent="$agent" '
        function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
        function prose(s) { gsub(/\\/, "\\e", s); sub(/^[.'\'']/, "\\\\&&", s); return s }
        /^[A-Z][a-z]*:$/ { section = $0; next }
        section == want && /^  [^ ]/ {
            line = substr($0, 3); cut = index(line, "  ")
            spec = cut ? substr(line, 1, cut - 1) : line
            text = ""
            if (cut) { text = substr(line, cut); sub(/^ +/, "", text) }
            required = sub(/ \(REQUIRED\)$/, "", spec)
            print ".TP"
            if (want == "Commands:") {
                printf ".B %s\n%s\nSee \\fB%s\\-%s\\fR(1).\n", esc(spec), prose(text), esc(agent), esc(spec)
            } else {
                n = split(spec, words, " "); out = ""
                for (i = 1; i <= n; i++) {
                    w = words[i]
                    if (w ~ /^</) { gsub(/[<>]/, "", w); out = out " \\fI" esc(w) "\\fR" }
                    else { out = out (i > 1 ? " " : "") "\\fB" esc(w) "\\fR" }
                }
                print out (required ? " (required)" : "")
                print prose(text)
            }
        }' <<<"$2"
}

# description HELP: the text under "Description:".
description() { awk '/^Description:$/ { on = 1; next } /^[A-Z][a-z]*:$/ { on = 0 } on && NF { sub(/^ +/, ""); print }' <<<"$1"; }

root_help=$("$bin" --help) || die "'$bin --help' failed"
commands=$(awk '/^Commands:$/ { on = 1; next } /^[A-Z][a-z]*:$/ { on = 0 } on && /^  [^ ]/ { print $1 }' <<<"$root_help")
[[ -n $commands ]] || die "$agent --help lists no commands"

{
    title "$agent"
    printf '.SH NAME\n%s \\- %s\n' "$agent" "$(description "$root_help" | sed "s/^$agent: //")"
    printf '.SH SYNOPSIS\n.B %s\n.I command\n.RI [ options ]\n' "$agent"
    sed -n '/^\.\\" description$/,/^\.\\" end$/p' "$prose" | sed '1d;$d'
    printf '.SH COMMANDS\n'
    help_to_roff "Commands:" "$root_help"
    cat "$root/deploy/man/exit-status.roff"
    sed -n '/^\.\\" files$/,/^\.\\" end$/p' "$prose" | sed '1d;$d'
    printf '.SH SEE ALSO\n'
    for c in $commands; do printf '.BR %s\\-%s (1),\n' "$agent" "$c"; done
    printf '.BR systemctl (1)\n'
} >"$out/$agent.1"

for c in $commands; do
    help=$("$bin" "$c" --help) || die "'$bin $c --help' failed"
    {
        title "$agent-$c"
        printf '.SH NAME\n%s\\-%s \\- %s\n' "$agent" "$c" "$(description "$help" | head -n 1)"
        printf '.SH SYNOPSIS\n.B %s %s\n.RI [ options ]\n' "$agent" "$c"
        printf '.SH DESCRIPTION\n'
        description "$help" | sed 's/^[.'\'']/\\\&&/'
        printf '.SH OPTIONS\n'
        help_to_roff "Options:" "$help"
        cat "$root/deploy/man/exit-status.roff"
        printf '.SH SEE ALSO\n.BR %s (1)\n' "$agent"
    } >"$out/$agent-$c.1"
done
