#!/usr/bin/env bash
# The test command of the README (and of CI via .ci/run): installs what is missing, builds
# everything with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/, and runs every
# test through CTest, then checks that the sources are clang-formatted and that every include goes
# down the layers, gives every libFuzzer target a short run (scripts/fuzz.sh, DEALSCOPE_FUZZ_SECONDS
# per target, default 10) and runs the packaging check (scripts/package-check.sh: builds the .deb in
# build-pkg/, installs, runs and purges it; the steps that need root are skipped for other users).
# Exit code: ctest's, or 1 when a check fails.
#
# The tests start their own redis-server and dealscope-server instances on free loopback ports
# in temporary folders; a system redis service, if any, is neither needed nor used.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-packages.sh"

build="$root/build-asan"
jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug \
    -DDEALSCOPE_SANITIZE=ON \
    "${launcher[@]}"
cmake --build "$build" --parallel "$jobs"

set +e
ctest --test-dir "$build" --output-on-failure --parallel "$jobs"
status=$?
"$root/scripts/check-format.sh" || status=1
"$root/scripts/check-layers.sh" || status=1
"$root/scripts/package-check.sh" || status=1
"$root/scripts/fuzz.sh" --seconds "${DEALSCOPE_FUZZ_SECONDS:-10}" || status=1
exit $status
