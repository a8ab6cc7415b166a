#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds a Release build in build/,
# then starts the desktop app on its demo listings with local workers. Without a desktop app
# (or without a display) it runs a CLI analysis of the demo listings instead.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-packages.sh"

build="$root/build"
jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DDEALSCOPE_BUILD_TESTS=OFF \
    "${launcher[@]}"
cmake --build "$build" --parallel "$jobs"

desktop="$build/app/desktop/dealscope"
if [ -x "$desktop" ]; then
    if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
        echo "setup: starting $desktop (demo listings, local workers)"
        exec "$desktop" "$@"
    fi
    echo "setup: no display (DISPLAY/WAYLAND_DISPLAY unset), so not starting $desktop;" \
         "running a CLI analysis of the demo listings instead" >&2
fi

cli="$build/app/cli/dealscope-cli"
echo "setup: dealscope-cli analyze --listings resources/demo/listings.csv --all --type valuation"
exec "$cli" analyze --listings "$root/resources/demo/listings.csv" --all --type valuation
