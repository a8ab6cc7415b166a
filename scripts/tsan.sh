#!/usr/bin/env bash
# ThreadSanitizer run of the tests that exercise more than one thread: the local runner and its
# store thread, the attempt runner, the in-flight registry's writer, the asynchronous results
# library, the analysis controller, and the server's workers, store offloader and Redis
# subscriber (the memory and Redis stores, against the real binary). Builds in build-tsan/
# (desktop off: the widget tests add no thread of their own, ui/ may not start any).
# Not part of scripts/test.sh (a TSan build is a second full build); run it after touching code
# that crosses threads. Exit code: ctest's.
#
# Limits: Debian's Qt is not built with -fsanitize=thread, so synchronisation inside QtCore
# (posted events, QThreadPool's queue, QThread::wait) is invisible and shows up as races on
# whatever a queued call or a pooled runnable carries. tests/tsan.supp hides the hand-offs it can
# name; the rest of the reports must be read, not counted. Against a Qt built with
# -DFEATURE_sanitize_thread=ON (CMAKE_PREFIX_PATH) every report counts.
#
#   scripts/tsan.sh            build and run the threaded tests
#   scripts/tsan.sh -R regex   only the tests matching regex
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-tsan"
jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

tests='^(tst_attemptrunner|tst_jobrunner_.*|tst_inflightregistry|tst_localjobstore|tst_jobtracker|tst_asyncresultslibrary|tst_analysiscontroller|tst_jobbackends|tst_runners_agree|tst_server_api|tst_server_redis|tst_jobstore_conformance|tst_batchqueue)$'
if [ "${1:-}" = -R ] && [ -n "${2:-}" ]; then
    tests=$2
fi

cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDEALSCOPE_TSAN=ON \
    -DDEALSCOPE_BUILD_DESKTOP=OFF \
    "${launcher[@]}" >/dev/null
# Only what the selected tests need (and the server binary they start).
mapfile -t targets < <(ctest --test-dir "$build" -N -R "$tests" | sed -n 's/^ *Test *#[0-9]*: \(tst_[a-z0-9_]*\)$/\1/p')
if [ ! -f "$build/CTestTestfile.cmake" ] || [ ${#targets[@]} -eq 0 ]; then
    echo "tsan: no test matches $tests" >&2
    exit 1
fi
cmake --build "$build" --parallel "$jobs" --target "${targets[@]}" dealscope-server

# Qt's own libraries are not instrumented: their mutexes and queued-event hand-offs are invisible
# to TSan, so reports whose every frame is inside Qt are suppressed (tests/tsan.supp). A report
# with a frame of ours is kept.
# die_after_fork=0: the server tests start redis-server and dealscope-server with QProcess.
export TSAN_OPTIONS="suppressions=$root/tests/tsan.supp halt_on_error=0 second_deadlock_stack=1 die_after_fork=0 ${TSAN_OPTIONS:-}"
set +e
ctest --test-dir "$build" --output-on-failure --parallel "$jobs" -R "$tests"
status=$?
reports=$(cat "$build"/Testing/Temporary/LastTest*.log 2>/dev/null | grep -c "WARNING: ThreadSanitizer" || true)
echo "tsan: ${#targets[@]} tests, $reports ThreadSanitizer report(s), exit $status"
exit $status
