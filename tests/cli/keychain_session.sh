#!/bin/sh
# The steps of tst_cli_login inside one dbus-run-session: the keyring unlocked with a password on
# stdin, then the CLI; each step prints "@@ NAME EXIT OUTPUT" for the test to check.
set -u
eval "$(printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets)"
step() { name=$1; shift; out=$("$@" 2>&1); echo "@@ $name $? $out"; }
step refused sh -c 'printf "ds_wrong\n" | "$0" login --server "$1"' "$CLI" "$URL"
step login sh -c 'printf "%s\n" "$2" | "$0" login --server "$1/"' "$CLI" "$URL" "$TOKEN"
step analyze "$CLI" analyze --server "$URL" --listings "$LISTINGS" --listing A1 --type valuation --json --settings "$SETTINGS" --data-dir "$DATA"
step override env DEALSCOPE_TOKEN=ds_env_wins "$CLI" analyze --server "$URL" --listings "$LISTINGS" --listing A1 --type risk_assessment --settings "$SETTINGS" --data-dir "$DATA"
step other "$CLI" analyze --server "http://localhost:1" --listings "$LISTINGS" --listing A1 --type valuation --settings "$SETTINGS" --data-dir "$DATA"
[ -n "${GNOME_KEYRING_PID:-}" ] && kill "$GNOME_KEYRING_PID"
exit 0
