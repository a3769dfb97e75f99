# Shared settings for the Tryton scripts; sourced, not run.
# Everything lives under $SUTURE_TRYTON_HOME (default: <repo>/var/tryton), which is gitignored.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
TRYTON_HOME="${SUTURE_TRYTON_HOME:-$REPO_ROOT/var/tryton}"
TRYTON_VENV="$TRYTON_HOME/venv"
TRYTON_DB="${SUTURE_TRYTON_DB:-erp}"
TRYTON_DB_DIR="$TRYTON_HOME/db"                  # the working database that start.sh serves
TRYTON_PRISTINE="$TRYTON_HOME/pristine"          # the freshly initialised copy reset.sh restores
TRYTON_CONF="$TRYTON_HOME/trytond.conf"
TRYTON_PASSFILE="$TRYTON_HOME/admin.pass"
TRYTON_ADMIN_PASSWORD="${SUTURE_TRYTON_ADMIN_PASSWORD:-suture-admin}"
TRYTON_PORT="${SUTURE_TRYTON_PORT:-8000}"
TRYTON_PIDFILE="$TRYTON_HOME/trytond.pid"
TRYTON_LOG="$TRYTON_HOME/trytond.log"
TRYTON_MODULES="purchase stock_lot account_invoice account_invoice_stock purchase_request purchase_requisition stock_supply analytic_account"

# write_conf CONF DB_DIR PORT: a headless SQLite configuration serving JSON-RPC on 127.0.0.1:PORT.
write_conf() {
    mkdir -p "$2"
    cat >"$1" <<CONF
[database]
uri = sqlite://
path = $2

[web]
listen = 127.0.0.1:$3
CONF
}

# free_port: an unused TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_up PORT PID: wait (up to 60 s) until trytond answers on PORT; fail early if PID died.
wait_up() {
    for _ in $(seq 1 300); do
        if ! kill -0 "$2" 2>/dev/null; then
            echo "tryton: trytond exited during start-up" >&2
            return 1
        fi
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), timeout=0.2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    echo "tryton: trytond did not listen on 127.0.0.1:$1 within 60 s" >&2
    return 1
}
