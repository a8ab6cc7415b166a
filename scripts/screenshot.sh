#!/usr/bin/env bash
# Starts the desktop app under Xvfb on its demo listings (temp settings and data folder), runs a
# valuation of one demo listing and saves a screenshot of the screen to docs/screenshot.png.
#   scripts/screenshot.sh [BUILD_DIR] [LISTING_ID]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-"$root/build"}
listing=${2:-G000007}
out="$root/docs/screenshot.png"

for tool in xvfb-run import; do
    command -v "$tool" >/dev/null 2>&1 || { echo "screenshot: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

app="$build/app/desktop/dealscope"
if [ ! -x "$app" ]; then
    launcher=()
    command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEALSCOPE_BUILD_TESTS=OFF "${launcher[@]}"
    cmake --build "$build" --target dealscope --parallel 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$root/docs"

# Inside the virtual display: start the app, give it time to load, analyse and paint, grab the
# screen, then close the app.
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    set -e
    "$0" --settings "$1/settings.ini" --data-dir "$1/data" --memory-secrets --demo-analyze "$2" &
    pid=$!
    for _ in $(seq 1 50); do
        sleep 0.2
        [ -f "$1/data/results.sqlite" ] && break
    done
    sleep 6
    import -window root "$3"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
' "$app" "$tmp" "$listing" "$out"

echo "screenshot: wrote $out"
