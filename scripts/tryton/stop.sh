#!/usr/bin/env bash
# Stop the trytond that start.sh started (by its pid file).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ ! -f "$TRYTON_PIDFILE" ]]; then
    echo "tryton: not running"
    exit 0
fi
PID="$(cat "$TRYTON_PIDFILE")"
if kill "$PID" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -9 "$PID"
fi
rm -f "$TRYTON_PIDFILE"
echo "tryton: stopped (pid $PID)"
