#!/usr/bin/env bash
# Create the Tryton ERP database (SQLite) with the procurement modules, a company and its currency, and keep
# a pristine copy of it so tests and reset.sh can start from a clean database in an instant.
# Idempotent: does nothing when the pristine copy matches these scripts and the installed versions.
# Needs install.sh first. Prints how long it took.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STAMP="$TRYTON_PRISTINE/.suture-initialised"
WANT="$(cat "$SCRIPT_DIR/requirements.txt" "$SCRIPT_DIR/constraints.txt" "$SCRIPT_DIR/init.sh" \
    "$SCRIPT_DIR/setup_company.py" | sha256sum | cut -d' ' -f1)"
if [[ -f "$TRYTON_PRISTINE/$TRYTON_DB.sqlite" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "tryton: database $TRYTON_DB already initialised in $TRYTON_PRISTINE"
    exit 0
fi
if [[ ! -x "$TRYTON_VENV/bin/trytond-admin" ]]; then
    echo "tryton: not installed; run scripts/tryton/install.sh first" >&2
    exit 1
fi

start=$(date +%s)
BUILD="$TRYTON_HOME/init.tmp"
rm -rf "$BUILD"
mkdir -p "$BUILD/db"
PORT="$(free_port)"
write_conf "$BUILD/trytond.conf" "$BUILD/db" "$PORT"
touch "$BUILD/db/$TRYTON_DB.sqlite"
umask 077
printf '%s\n' "$TRYTON_ADMIN_PASSWORD" >"$TRYTON_PASSFILE"
umask 022

# --email keeps trytond-admin from prompting; TRYTONPASSFILE gives the admin password without a prompt.
TZ=UTC TRYTONPASSFILE="$TRYTON_PASSFILE" "$TRYTON_VENV/bin/trytond-admin" -c "$BUILD/trytond.conf" -d "$TRYTON_DB" \
    --all --email admin@example.org --activate-dependencies -u $TRYTON_MODULES \
    >"$BUILD/admin.log" 2>&1 || { tail -n 40 "$BUILD/admin.log" >&2; exit 1; }
echo "tryton: modules activated in $(( $(date +%s) - start ))s"

# The company, its currency and the admin's preferences go in over JSON-RPC, like everything else Suture does.
TZ=UTC "$TRYTON_VENV/bin/trytond" -c "$BUILD/trytond.conf" >"$BUILD/trytond.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
wait_up "$PORT" "$PID" || { tail -n 40 "$BUILD/trytond.log" >&2; exit 1; }
python3 "$SCRIPT_DIR/setup_company.py" "http://127.0.0.1:$PORT/$TRYTON_DB/" admin "$TRYTON_ADMIN_PASSWORD"
kill "$PID"
wait "$PID" 2>/dev/null || true
trap - EXIT

mkdir -p "$TRYTON_PRISTINE"
cp "$BUILD/db/$TRYTON_DB.sqlite" "$TRYTON_PRISTINE/$TRYTON_DB.sqlite"
echo "$WANT" >"$STAMP"
rm -rf "$BUILD"
echo "tryton: database $TRYTON_DB initialised in $(( $(date +%s) - start ))s; pristine copy in $TRYTON_PRISTINE"
