#!/usr/bin/env bash
# Put the working database back to the pristine, freshly initialised copy. Stop trytond first (stop.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -f "$TRYTON_PIDFILE" ]] && kill -0 "$(cat "$TRYTON_PIDFILE")" 2>/dev/null; then
    echo "tryton: running; stop it first (scripts/tryton/stop.sh)" >&2
    exit 1
fi
if [[ ! -f "$TRYTON_PRISTINE/$TRYTON_DB.sqlite" ]]; then
    echo "tryton: no pristine database; run scripts/tryton/install.sh and init.sh first" >&2
    exit 1
fi
mkdir -p "$TRYTON_DB_DIR"
cp "$TRYTON_PRISTINE/$TRYTON_DB.sqlite" "$TRYTON_DB_DIR/$TRYTON_DB.sqlite"
echo "tryton: database $TRYTON_DB reset to the pristine copy"
