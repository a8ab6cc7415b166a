#!/usr/bin/env bash
# Fails on an #include that goes the wrong way between the folders of core/, ui/ and app/.
# The build already keeps each library's private headers to itself (cmake/DealscopeHeaders.cmake);
# this also checks the order of folders inside one library and says which rule an include breaks.
#
# A folder may include its own headers and those of the folders listed for it (docs/ARCHITECTURE.md
# draws the same graph). Run from anywhere; exit code 1 lists every offending line.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

declare -A allowed=(
    [core/common]=""
    [core/domain]="common"
    [core/benchmarks]="common domain"
    [core/market]="common domain benchmarks"
    [core/import]="common domain benchmarks"
    [core/generate]="common domain benchmarks"
    [core/analysis]="common domain benchmarks market"
    [core/llm]="common domain benchmarks market analysis"
    [core/jobs]="common domain benchmarks market analysis"
    [core/storage]="common domain benchmarks market analysis jobs"
    [core/config]="common"
    [core/tasks]=""
    [core/query]="common domain tasks"
    [core/net]="common domain benchmarks market analysis jobs config"
    [core/export]="common domain benchmarks market analysis jobs storage"
    [core/app]="common domain benchmarks market import generate analysis llm jobs storage config net export tasks query"
    [core/cli]="common domain benchmarks market import generate analysis llm jobs storage config net export tasks query app"
    [core/server]="common domain benchmarks market import generate analysis llm jobs"
    [ui]="common domain benchmarks market import generate analysis llm jobs storage config net export tasks query app ui"
    [app/desktop]="ui app config"
    [app/version]=""
    [app/cli]="cli"
    [app/server]="server"
)

status=0
checked=0
while IFS= read -r -d '' file; do
    case "$file" in
    core/*) folder=$(echo "$file" | cut -d/ -f1-2) ;;
    ui/*) folder=ui ;;
    app/*) folder=$(echo "$file" | cut -d/ -f1-2) ;;
    *) continue ;;
    esac
    if [[ -z ${allowed[$folder]+set} ]]; then
        echo "check-layers: $folder has no rule in scripts/check-layers.sh (add one)" >&2
        status=1
        continue
    fi
    own=${folder#core/}
    [ "$folder" = ui ] && own=ui
    checked=$((checked + 1))
    while IFS=: read -r line include; do
        target=${include%%/*}
        [ "$target" = "$own" ] && continue
        if [[ " ${allowed[$folder]} " != *" $target "* ]]; then
            echo "$file:$line: includes \"$include\": $folder may include only: ${allowed[$folder]:-(nothing)}" >&2
            status=1
        fi
    done < <(grep -noE '^#include "[a-z]+/[^"]+"' "$file" | sed -E 's/:#include "/:/; s/"$//')
done < <(git ls-files -z 'core/*.h' 'core/*.cpp' 'ui/*.h' 'ui/*.cpp' 'app/*.h' 'app/*.cpp' 2>/dev/null)

# ui/ never starts a thread (SPEC §1): background work goes through core's services
# (core/tasks, core/query, core/app), which hand results back as queued calls.
threads=$(git ls-files -z 'ui/*.h' 'ui/*.cpp' 2>/dev/null |
    xargs -0 -r grep -nE '\b(QThread|QThreadPool|QtConcurrent|QFutureWatcher|std::thread|std::jthread|std::async)\b|#include <(QThread|QThreadPool|QtConcurrent|thread|future)>' || true)
if [ -n "$threads" ]; then
    echo "$threads" | sed 's/$/: ui\/ must not start threads; use a core service (core\/tasks, core\/app)/' >&2
    status=1
fi

if [ $status -ne 0 ]; then
    echo "check-layers: includes go the wrong way or ui/ starts threads (see above)" >&2
    exit 1
fi
echo "check-layers: $checked files, every include goes down the layers, no thread started in ui/"
