#!/usr/bin/env bash
# Install Tryton 7.0 LTS into its own venv under $SUTURE_TRYTON_HOME (default var/tryton).
# Idempotent: does nothing when the venv already holds exactly requirements.txt + constraints.txt (by hash).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PYTHON="${PYTHON:-python3}"
STAMP="$TRYTON_VENV/.suture-installed"
WANT="$(cat "$SCRIPT_DIR/requirements.txt" "$SCRIPT_DIR/constraints.txt" | sha256sum | cut -d' ' -f1)"

if [[ -x "$TRYTON_VENV/bin/trytond" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "tryton: already installed in $TRYTON_VENV"
    exit 0
fi

start=$(date +%s)
mkdir -p "$TRYTON_HOME"
# A venv from other pins is rebuilt from scratch, so no module of an older set lingers.
rm -rf "$TRYTON_VENV"
"$PYTHON" -m venv "$TRYTON_VENV"
# pip warns about every missing local index directory on this kind of machine: keep only real messages.
"$TRYTON_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$SCRIPT_DIR/requirements.txt" -c "$SCRIPT_DIR/constraints.txt" 2> >(grep -v "is ignored: it is neither" >&2)
echo "$WANT" >"$STAMP"
echo "tryton: installed in $TRYTON_VENV in $(( $(date +%s) - start ))s"
