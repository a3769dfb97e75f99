"""Make sure the servers the test suite uses are up (PostgreSQL, NATS), starting them when we can.

`make test` calls this first. It never fails the run by itself: the tests decide (in CI a missing server
fails them; elsewhere they skip with a message that says how to start it).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time

SERVICES = {
    "PostgreSQL": (5432, "pg_ctlcluster --skip-systemctl-redirect {ver} main start"),
    "NATS": (
        4222,
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 "
        "-p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log",
    ),
}


def is_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> None:
    for name, (port, cmd) in SERVICES.items():
        if is_up(port):
            continue
        versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
        command = cmd.format(ver=versions[-1] if versions else "")
        if shutil.which(command.split()[0]) is None:
            print(f"{name} is not running on 127.0.0.1:{port} and cannot be started here: {command}")
            continue
        print(f"starting {name}: {command}")
        subprocess.run(command, shell=True, check=False)
        for _ in range(50):
            if is_up(port):
                break
            time.sleep(0.2)
        print(f"{name} {'is up' if is_up(port) else 'did not come up'}")


if __name__ == "__main__":
    main()
