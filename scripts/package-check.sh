#!/usr/bin/env bash
# The packaging check of the test command (scripts/test.sh runs it after the tests):
#   1. builds the Debian package in build-pkg/: Release, only the three programs (no tests or
#      benchmarks), CMAKE_INSTALL_PREFIX=/usr, Debian's hardening flags, ccache when installed;
#   2. checks it: lintian (no errors), desktop-file-validate, appstreamcli, the versions, the files;
#   3. installs it with apt-get;
#   4. runs the installed dealscope-cli on generated listings;
#   5. starts the installed dealscope (offscreen): --version, a few seconds without arguments,
#      then with a listings file to import;
#   6. verifies the systemd units (systemd-analyze verify, and security with a ceiling);
#   7. starts the installed dealscope-server as an unprivileged user and asks /healthz, then
#      with a token made as the README says;
#   8. purges the package and checks that nothing of it is left but the user's data.
# Exit code 0 when every step passed, 1 otherwise.
#
# As root (CI) every step runs, and a missing tool is an error. The check replaces an installed
# dealscope package and purges it at the end. As another user, the steps that need root
# (3 and 8, and 6's verify, which needs the installed program) say so and are skipped; 4, 5 and 7
# then run the programs from the unpacked package instead.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-pkg"
jobs=$(nproc 2>/dev/null || echo 2)
# systemd-analyze security: the units' exposure must stay at or below this (see installer/systemd).
security_ceiling=1.5

started=$(date +%s)
tmp=$(mktemp -d)
chmod 755 "$tmp" # the server runs as nobody (step 7) and reads a file from here
server_pid=
app_pid=
cleanup() {
    for pid in $server_pid $app_pid; do
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -eq 0 ]; then as_root=1; else as_root=0; fi
failures=()
step_started=$started
step() {
    local now
    now=$(date +%s)
    echo "package-check: [$1] $2"
    step_started=$now
}
fail() {
    echo "package-check: FAILED: $*" >&2
    failures+=("$*")
}
skip() { echo "package-check: skipped: $*" >&2; }
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ $as_root -eq 1 ]; then
        fail "$1 is not installed (scripts/packages.txt lists it; run scripts/install-packages.sh)"
    else
        skip "$1 is not installed (scripts/packages.txt lists it)"
    fi
    return 1
}
elapsed() { echo $(($(date +%s) - step_started)); }

# HTTP GET with bash alone (no curl on a fresh machine): prints the status line and body.
http_get() ( # port path [token]
    auth=
    [ -n "${3:-}" ] && auth="Authorization: Bearer $3"$'\r\n'
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n' "$2" "$auth" >&3
    timeout 10 cat <&3
)

version=$(sed -n 's/^project(Dealscope VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
version_re="^[^ ]+ ${version//./\\.} \\(git ([0-9a-f]{12}|unknown)(, dirty)?\\)$"

# --- 1. Build ------------------------------------------------------------------------------
step 1 "building the .deb in build-pkg/ (Release, programs only)"
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Debian's hardening flags (lintian checks them), without -g: the package is stripped anyway.
# From the repository root: they map the current folder away, and must not change (and
# rebuild everything) with the folder the check is started from.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cxxflags=$(cd "$root" && echo "$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)")
cxxflags=$(echo "$cxxflags" | sed -e 's/\(^\| \)-g\( \|$\)/ /')
ldflags=$(cd "$root" && dpkg-buildflags --get LDFLAGS)
cmake -S "$root" -B "$build" -G Ninja --log-level=WARNING \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX=/usr \
    -DDEALSCOPE_BUILD_TESTS=OFF \
    -DDEALSCOPE_MANPAGES=ON \
    "-DCMAKE_CXX_FLAGS=$cxxflags" \
    "-DCMAKE_EXE_LINKER_FLAGS=$ldflags" \
    "${launcher[@]}" >/dev/null
cmake --build "$build" --parallel "$jobs"
rm -f "$build"/dealscope_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/dealscope_*.deb)
echo "package-check: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $(elapsed) s"

# --- 2. Static checks of the package ---------------------------------------------------------
step 2 "checking the package (lintian, desktop entry, AppStream, versions, files)"
unpacked="$tmp/unpacked"
dpkg-deb -x "$deb" "$unpacked"
dpkg-deb -c "$deb" | awk '{ sub(/^\./, "", $6); print $6 }' | sed 's:/$::' | grep -v '^$' >"$tmp/contents"
if need lintian; then
    # --fail-on error: warnings and info tags are printed (the README names them) but do not fail.
    # As root, lintian runs as nobody on a copy (it warns about root privileges otherwise).
    lint=(lintian) lint_deb=$deb
    if [ $as_root -eq 1 ]; then
        lint_deb="$tmp/$(basename "$deb")"
        cp "$deb" "$lint_deb" && chmod 644 "$lint_deb"
        lint=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp lintian)
    fi
    if "${lint[@]}" --fail-on error --display-info --pedantic --tag-display-limit 0 "$lint_deb" >"$tmp/lintian" 2>&1; then
        echo "package-check: lintian: $(grep -c '^E:' "$tmp/lintian" || true) errors," \
            "$(grep -c '^W:' "$tmp/lintian" || true) warnings, $(grep -c '^I:' "$tmp/lintian" || true) info, $(grep -c '^P:' "$tmp/lintian" || true) pedantic"
    else
        fail "lintian reports errors"
    fi
    sed 's/^/  /' "$tmp/lintian"
fi
desktop="$unpacked/usr/share/applications/org.dealscope.Dealscope.desktop"
metainfo="$unpacked/usr/share/metainfo/org.dealscope.Dealscope.metainfo.xml"
if need desktop-file-validate; then
    desktop-file-validate "$desktop" || fail "desktop-file-validate $(basename "$desktop")"
fi
if need appstreamcli; then
    appstreamcli validate --no-net --explain "$metainfo" >"$tmp/appstream" 2>&1 || fail "appstreamcli validate"
    # The installed tree as a software centre reads it: metainfo, desktop entry and icons together.
    appstreamcli validate-tree --no-net "$unpacked" >>"$tmp/appstream" 2>&1 || fail "appstreamcli validate-tree"
    grep -E '^(E|W):|Validation' "$tmp/appstream" | sed 's/^/  appstream: /' || true
fi
# One version everywhere: CMake, the package, the Debian changelog, the AppStream release.
deb_version=$(dpkg-deb -f "$deb" Version)
changelog_version=$(zcat "$unpacked/usr/share/doc/dealscope/changelog.gz" | sed -n '1s/^dealscope (\([^)]*\)).*/\1/p')
release_version=$(sed -n 's/.*<release version="\([^"]*\)".*/\1/p' "$metainfo" | head -1)
for v in "$deb_version" "$changelog_version" "$release_version"; do
    [ "$v" = "$version" ] || fail "version mismatch: CMake $version, package $deb_version," \
        "debian/changelog $changelog_version, AppStream release $release_version"
done
grep -q '^ ' <(dpkg-deb -f "$deb" Description) || fail "the package has no extended description"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libqt6core6 libqt6widgets6 libqt6sql6-sqlite libsqlite3-0 libqt6keychain1 libhiredis; do
    [[ "$depends" == *"$dep"* ]] || fail "Depends lacks $dep (dpkg-shlibdeps): $depends"
done
for file in /usr/bin/dealscope /usr/bin/dealscope-cli /usr/bin/dealscope-server \
    /usr/share/man/man1/dealscope.1.gz /usr/share/man/man1/dealscope-cli.1.gz \
    /usr/share/man/man1/dealscope-server.1.gz /usr/share/doc/dealscope/copyright \
    /usr/share/doc/dealscope/changelog.gz /usr/share/icons/hicolor/scalable/apps/org.dealscope.Dealscope.svg \
    /usr/share/icons/hicolor/48x48/apps/org.dealscope.Dealscope.png \
    /usr/share/icons/hicolor/256x256/apps/org.dealscope.Dealscope.png \
    /usr/lib/systemd/system/dealscope-server.service /usr/lib/systemd/system/dealscope-server@.service \
    /etc/dealscope/server.conf; do
    grep -qx -- "$file" "$tmp/contents" || fail "the package lacks $file"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$tmp/conffiles"
grep -qx /etc/dealscope/server.conf "$tmp/conffiles" || fail "/etc/dealscope/server.conf is not a conffile"
for unit in dealscope-server.service dealscope-server@.service; do
    grep -q '^ExecStart=/usr/bin/dealscope-server ' "$unpacked/usr/lib/systemd/system/$unit" ||
        fail "$unit does not start /usr/bin/dealscope-server"
done
man_text=$(zcat "$unpacked/usr/share/man/man1/dealscope-server.1.gz")
[[ "$man_text" == *"token add"* && "$man_text" == *'\-\-listen'* ]] || fail "dealscope-server.1 lacks the options or tokens"
echo "package-check: step 2 took $(elapsed) s"

# --- 3. Install ------------------------------------------------------------------------------
step 3 "installing with apt-get"
# A package left installed (an earlier check that was interrupted) goes first, so that the
# purge check below sees every file of this one.
if [ $as_root -eq 1 ] && dpkg-query -W -f='${db:Status-Status}' dealscope 2>/dev/null | grep -qv '^not-installed$'; then
    echo "package-check: purging the dealscope package installed before the check"
    DEBIAN_FRONTEND=noninteractive apt-get purge -y dealscope >/dev/null
fi
# Paths of the package that exist before it is installed (directories such as /usr/bin):
# the purge must leave those and remove every other one.
while read -r path; do
    [ -e "$path" ] || [ -L "$path" ] && echo "$path"
done <"$tmp/contents" >"$tmp/existed-before" || true
if [ $as_root -eq 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" >"$tmp/apt-install" 2>&1 ||
        { cat "$tmp/apt-install" >&2; fail "apt-get install $deb"; }
    [ "$(dpkg-query -W -f='${db:Status-Status} ${Version}' dealscope 2>/dev/null)" = "installed $version" ] ||
        fail "dealscope $version is not installed after apt-get install"
    dpkg -L dealscope >"$tmp/dpkg-L"
    prefix=
else
    skip "installing needs root: the programs run from the unpacked package instead"
    prefix=$unpacked
fi
bin="$prefix/usr/bin"

# A user's environment of its own: settings, data and the keychain-less session.
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
    XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/runtime"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS

# --- 4. dealscope-cli --------------------------------------------------------------------------
step 4 "running the installed dealscope-cli"
if [ -x "$bin/dealscope-cli" ]; then
    [[ "$("$bin/dealscope-cli" --version)" =~ $version_re ]] || fail "dealscope-cli --version: $("$bin/dealscope-cli" --version)"
    listings="$tmp/listings.csv"
    "$bin/dealscope-cli" generate --count 40 --seed 13 -o "$listings" || fail "dealscope-cli generate"
    "$bin/dealscope-cli" import "$listings" >/dev/null || fail "dealscope-cli import"
    if "$bin/dealscope-cli" analyze --listings "$listings" --all --type valuation --json \
        >"$tmp/analyze.json" 2>"$tmp/analyze.err"; then
        succeeded=$(grep -o '"status": *"succeeded"' "$tmp/analyze.json" | wc -l)
        [ "$succeeded" -eq 40 ] || fail "dealscope-cli analyze: $succeeded of 40 valuations succeeded"
        echo "package-check: dealscope-cli analyzed $succeeded generated listings"
    else
        cat "$tmp/analyze.err" >&2
        fail "dealscope-cli analyze"
    fi
    [ -f "$XDG_DATA_HOME/Dealscope/Dealscope/jobs.sqlite" ] || fail "dealscope-cli kept no jobs in the user's data folder"
else
    fail "no dealscope-cli in $bin"
fi

# --- 5. dealscope (desktop, offscreen) ----------------------------------------------------------
step 5 "starting the installed dealscope (offscreen)"
export QT_QPA_PLATFORM=offscreen
if [ -x "$bin/dealscope" ]; then
    [[ "$("$bin/dealscope" --version)" =~ $version_re ]] || fail "dealscope --version: $("$bin/dealscope" --version)"
    "$bin/dealscope" >"$tmp/app.log" 2>&1 &
    app_pid=$!
    # A few seconds: it loads the demo listings, opens its stores and keeps running.
    sleep 4
    if kill -0 "$app_pid" 2>/dev/null; then
        kill -TERM "$app_pid"
        wait "$app_pid" 2>/dev/null || true
        echo "package-check: dealscope ran for 4 s"
    else
        wait "$app_pid" && rc=0 || rc=$?
        cat "$tmp/app.log" >&2
        fail "dealscope exited by itself (exit code $rc)"
    fi
    app_pid=
    # dealscope FILE (what the desktop entry's %F does): the listing ends up in the data folder.
    printf 'id,title,location,Asking Price,Cash Flow\nPC1,Package Check Bakery,"Tampa, FL",300000,80000\n' >"$tmp/one.csv"
    "$bin/dealscope" "$tmp/one.csv" >"$tmp/app-file.log" 2>&1 &
    app_pid=$!
    saved="$XDG_DATA_HOME/Dealscope/Dealscope/listings.json"
    for _ in $(seq 1 150); do
        grep -q "Package Check Bakery" "$saved" 2>/dev/null && break
        kill -0 "$app_pid" 2>/dev/null || break
        sleep 0.2
    done
    grep -q "Package Check Bakery" "$saved" 2>/dev/null || { cat "$tmp/app-file.log" >&2; fail "dealscope FILE did not import the file"; }
    kill -TERM "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    app_pid=
else
    fail "no dealscope in $bin"
fi
unset QT_QPA_PLATFORM

# --- 6. systemd units ---------------------------------------------------------------------------
step 6 "verifying the systemd units"
units="$prefix/usr/lib/systemd/system"
if need systemd-analyze; then
    if [ $as_root -eq 1 ]; then
        # The installed units as systemd loads them; the template through its two instances.
        # verify says nothing about a clean unit: any line it prints is a finding.
        for unit in dealscope-server.service dealscope-server@api.service dealscope-server@worker.service; do
            systemd-analyze verify --man=no "$unit" >>"$tmp/verify" 2>&1 || fail "systemd-analyze verify $unit"
        done
        if [ -s "$tmp/verify" ]; then
            sed 's/^/  verify: /' "$tmp/verify" >&2
            fail "systemd-analyze verify reports problems in the units"
        fi
    else
        skip "systemd-analyze verify needs the installed program (run as root)"
    fi
    for unit in dealscope-server.service dealscope-server@.service; do
        systemd-analyze security --offline=true --no-pager "$units/$unit" >"$tmp/security" 2>&1 || true
        score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$tmp/security")
        echo "package-check: systemd-analyze security $unit: ${score:-?} (ceiling $security_ceiling)"
        if [ -z "$score" ] || awk -v s="$score" -v c="$security_ceiling" 'BEGIN { exit !(s > c) }'; then
            grep -E '^ *✗' "$tmp/security" | sed 's/^/  /' >&2 || true
            fail "systemd-analyze security $unit: exposure ${score:-unknown} above $security_ceiling"
        fi
    done
fi

# --- 7. dealscope-server -----------------------------------------------------------------------
step 7 "starting the installed dealscope-server"
# As root: as the unprivileged user nobody, without a home, as the service's dynamic user runs.
run_server=("$bin/dealscope-server")
if [ $as_root -eq 1 ]; then
    run_server=(setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs env HOME=/nonexistent "$bin/dealscope-server")
fi
# Starts the server on a free loopback port (port 0: the system picks one, the server prints
# it): sets port and server_pid, returns 0 once /healthz answers.
start_server() {
    "${run_server[@]}" --listen 127.0.0.1:0 --store memory --workers 1 "$@" >"$tmp/server.out" 2>"$tmp/server.log" &
    server_pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^dealscope-server listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/server.out" 2>/dev/null)
        [ -n "$port" ] && http_get "$port" /healthz 2>/dev/null | head -1 | grep -q ' 200 ' && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    cat "$tmp/server.out" "$tmp/server.log" >&2
    return 1
}
stop_server() { # expects the exit code 0 of a SIGTERM'd server
    kill -TERM "$server_pid"
    local rc=0
    wait "$server_pid" || rc=$?
    server_pid=
    [ $rc -eq 0 ] || fail "dealscope-server exited with $rc on SIGTERM"
}
if [ -x "$bin/dealscope-server" ]; then
    [[ "$("$bin/dealscope-server" --version)" =~ $version_re ]] || fail "dealscope-server --version: $("$bin/dealscope-server" --version)"
    if start_server --insecure-no-auth; then
        echo "package-check: /healthz on 127.0.0.1:$port: $(http_get "$port" /healthz | head -1 | tr -d '\r')"
        http_get "$port" /readyz | head -1 | grep -q ' 200 ' || fail "dealscope-server /readyz"
        stop_server
    else
        fail "dealscope-server did not answer /healthz"
    fi
    # Tokens as the README tells an operator (as root, in the file the service reads).
    tokens="$tmp/tokens"
    [ $as_root -eq 1 ] && tokens=/etc/dealscope/tokens
    token=$("$bin/dealscope-server" token add --tenant package-check --tokens "$tokens" 2>/dev/null) ||
        fail "dealscope-server token add"
    [ "$(stat -c %a "$tokens")" = 600 ] || fail "$tokens has mode $(stat -c %a "$tokens"), not 600"
    cp "$tokens" "$tmp/tokens-copy" && chmod 644 "$tmp/tokens-copy" # the service reads a private copy
    if start_server --tokens "$tmp/tokens-copy"; then
        http_get "$port" /api/listings | head -1 | grep -q ' 401 ' || fail "dealscope-server answered without a token"
        http_get "$port" '/api/listings?limit=1' "$token" | head -1 | grep -q ' 200 ' || fail "dealscope-server refused its token"
        stop_server
    else
        fail "dealscope-server with --tokens did not start"
    fi
else
    fail "no dealscope-server in $bin"
fi

# --- 8. Purge ----------------------------------------------------------------------------------
step 8 "purging the package"
if [ $as_root -eq 1 ]; then
    # Enabled as an operator would (systemctl works on the unit files without a running systemd).
    systemctl enable dealscope-server.service >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get purge -y dealscope >"$tmp/apt-purge" 2>&1 ||
        { cat "$tmp/apt-purge" >&2; fail "apt-get purge dealscope"; }
    status=$(dpkg-query -W -f='${db:Status-Status}' dealscope 2>/dev/null || true)
    [ -z "$status" ] || [ "$status" = not-installed ] || fail "dpkg still knows dealscope after purge ($status)"
    left=()
    while read -r path; do
        [ "$path" = /. ] && continue
        grep -qx -- "$path" "$tmp/existed-before" && continue
        if [ -e "$path" ] || [ -L "$path" ]; then left+=("$path"); fi
    done <"$tmp/dpkg-L"
    for path in /etc/dealscope /etc/systemd/system/multi-user.target.wants/dealscope-server.service; do
        if [ -e "$path" ] || [ -L "$path" ]; then left+=("$path"); fi
    done
    [ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
    grep -q 'not removed' "$tmp/apt-purge" && { grep 'not removed' "$tmp/apt-purge" >&2; fail "dpkg could not remove a directory"; }
    [ -f "$XDG_DATA_HOME/Dealscope/Dealscope/jobs.sqlite" ] && [ -f "$XDG_DATA_HOME/Dealscope/Dealscope/listings.json" ] ||
        fail "the purge took the user's data"
    echo "package-check: purged; $(wc -l <"$tmp/dpkg-L") paths of the package checked, the user's data kept"
else
    skip "purging needs root"
fi

total=$(($(date +%s) - started))
if [ ${#failures[@]} -gt 0 ]; then
    echo "package-check: ${#failures[@]} check(s) FAILED in $total s:" >&2
    printf '  %s\n' "${failures[@]}" >&2
    exit 1
fi
if [ $as_root -eq 1 ]; then
    echo "package-check: all checks passed in $total s"
else
    echo "package-check: passed in $total s, without the steps that need root (CI runs them all)"
fi
