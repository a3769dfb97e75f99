#!/usr/bin/env bash
# Start trytond in the background on 127.0.0.1:$SUTURE_TRYTON_PORT (default 8000), serving the working
# database in $SUTURE_TRYTON_HOME/db (created from the pristine copy if missing). Stop it with stop.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -f "$TRYTON_PIDFILE" ]] && kill -0 "$(cat "$TRYTON_PIDFILE")" 2>/dev/null; then
    echo "tryton: already running (pid $(cat "$TRYTON_PIDFILE"))"
    exit 0
fi
if [[ ! -f "$TRYTON_DB_DIR/$TRYTON_DB.sqlite" ]]; then
    "$SCRIPT_DIR/reset.sh"
fi
write_conf "$TRYTON_CONF" "$TRYTON_DB_DIR" "$TRYTON_PORT"
# Tryton stamps write_date with the server's local time on SQLite: run it in UTC, as Suture reads it.
TZ=UTC nohup "$TRYTON_VENV/bin/trytond" -c "$TRYTON_CONF" >"$TRYTON_LOG" 2>&1 &
PID=$!
echo "$PID" >"$TRYTON_PIDFILE"
wait_up "$TRYTON_PORT" "$PID" || { tail -n 40 "$TRYTON_LOG" >&2; rm -f "$TRYTON_PIDFILE"; exit 1; }
echo "tryton: serving http://127.0.0.1:$TRYTON_PORT/$TRYTON_DB/ (pid $PID, user admin, log $TRYTON_LOG)"
