"""A real Tryton 7.0 server for tests: installed and initialised by scripts/tryton/, run as a separate process
on a copy of the pristine database, spoken to over JSON-RPC only (Tryton is GPL: never imported here)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from suture.connectors.tryton.client import TrytonClient

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "scripts" / "tryton"
HOME = Path(os.environ.get("SUTURE_TRYTON_HOME", ROOT / "var" / "tryton"))
DATABASE = os.environ.get("SUTURE_TRYTON_DB", "erp")
PASSWORD = os.environ.get("SUTURE_TRYTON_ADMIN_PASSWORD", "suture-admin")
HOW_TO_INSTALL = "install it with: bash scripts/tryton/install.sh && bash scripts/tryton/init.sh"


def ensure_installed() -> str | None:
    """Run install.sh and init.sh (both no-ops when already done); the problem as text, or None."""
    for script in ("install.sh", "init.sh"):
        try:
            result = subprocess.run(["bash", str(SCRIPTS / script)], capture_output=True, text=True, timeout=900,
                                    check=False)
        except subprocess.TimeoutExpired:
            return f"scripts/tryton/{script} did not finish in 15 minutes"
        if result.returncode != 0:
            tail = (result.stdout + result.stderr)[-3000:]
            return f"scripts/tryton/{script} failed (exit {result.returncode}):\n{tail}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class TrytonServer:
    """trytond on 127.0.0.1:<free port>, serving a fresh copy of ``database_file`` (default: the pristine
    database) from ``workdir``.

    ``session_max_age_s``: Tryton 7.0 refuses a session this long after its login (HTTP 401); its idle
    ``timeout`` only guards a few sensitive calls."""

    def __init__(self, workdir: Path, *, database_file: Path | None = None, session_max_age_s: int = 3600) -> None:
        self.workdir, self.session_max_age_s = workdir, session_max_age_s
        self.database_file = database_file or HOME / "pristine" / f"{DATABASE}.sqlite"
        self.port = free_port()
        self.log = workdir / "trytond.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def served_file(self) -> Path:
        return self.workdir / "db" / f"{DATABASE}.sqlite"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs: Any) -> TrytonClient:
        return TrytonClient(self.url, DATABASE, "admin", PASSWORD, **kwargs)

    def start(self) -> None:
        db_dir = self.workdir / "db"
        db_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.database_file, db_dir / f"{DATABASE}.sqlite")
        conf = self.workdir / "trytond.conf"
        conf.write_text(f"[database]\nuri = sqlite://\npath = {db_dir}\n\n[web]\nlisten = 127.0.0.1:{self.port}\n\n"
                        f"[session]\nmax_age = {self.session_max_age_s}\n", encoding="utf-8")
        env = {**os.environ, "TZ": "UTC"}  # Tryton stamps write_date in local time on SQLite
        with self.log.open("wb") as log:
            self._process = subprocess.Popen([str(HOME / "venv" / "bin" / "trytond"), "-c", str(conf)],
                                             stdout=log, stderr=subprocess.STDOUT, env=env)
        self._wait_listening()

    def _wait_listening(self, timeout_s: float = 60.0) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"trytond exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"trytond did not listen on {self.port} within {timeout_s}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self._process is None:
            return
        process, self._process = self._process, None
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class Seeded:
    """Ids of what :func:`seed` created."""

    box_uom: int = 0
    supplier: int = 0  # named in a product's supplier list
    listed_supplier: int = 0  # only in the "Supplier" party category
    customer: int = 0  # neither: must not come back as a vendor
    stem_template: int = 0
    stem: int = 0
    gauze: int = 0
    service: int = 0
    warehouse: int = 0
    supply_room: int = 0
    operating_room: int = 0
    cost_center: int = 0
    extra: dict[str, int] = field(default_factory=dict)


async def seed(client: TrytonClient) -> Seeded:
    """A small hospital supply chain: suppliers, implant and gauze items, a supply room, an OR, a cost center.
    Writes one at a time: SQLite Tryton loses concurrent writes."""
    s = Seeded()
    [unit_row] = await client.search_read("product.uom", [("symbol", "=", "u")], ["category"])
    unit, unit_category = unit_row["id"], unit_row["category"]
    [s.box_uom] = await client.create("product.uom", [{"name": "Box of 10", "symbol": "BX", "category": unit_category,
                                                       "factor": 10.0, "rate": 0.1, "rounding": 1.0, "digits": 0}])
    [category] = await client.create("party.category", [{"name": "Supplier"}])
    [s.supplier] = await client.create("party.party", [{"name": "Acme Orthopedics", "identifiers": [
        ["create", [{"type": None, "code": "ACME-0001"}]]]}])
    [s.listed_supplier] = await client.create("party.party", [{"name": "Gauze & Co",
                                                                "categories": [["add", [category]]]}])
    [s.customer] = await client.create("party.party", [{"name": "Walk-in Customer"}])
    [s.stem_template] = await client.create("product.template", [{
        "name": "Hip stem 12mm", "code": "HS-12", "type": "goods", "default_uom": unit, "purchase_uom": unit,
        "purchasable": True, "list_price": Decimal("1250.00"), "lot_required": ["supplier", "storage"],
        "products": [["create", [{"identifiers": [["create", [{"type": "ean", "code": "0614141999996"}]]]}]]],
        "product_suppliers": [["create", [{"party": s.supplier, "code": "AC-HS12"}]]],
    }])
    [gauze_template] = await client.create("product.template", [{
        "name": "Gauze sponge 4x4", "code": "GZ-44", "type": "goods", "default_uom": unit, "purchase_uom": s.box_uom,
        "purchasable": True, "list_price": Decimal("0.35"), "products": [["create", [{}]]]}])
    [service_template] = await client.create("product.template", [{
        "name": "Instrument sterilisation", "type": "service", "default_uom": unit, "list_price": Decimal("20"),
        "products": [["create", [{}]]]}])
    [s.stem] = await client.search("product.product", [("template", "=", s.stem_template)])
    [s.gauze] = await client.search("product.product", [("template", "=", gauze_template)])
    [s.service] = await client.search("product.product", [("template", "=", service_template)])
    [s.warehouse] = await client.search("stock.location", [("code", "=", "WH")])
    [storage] = await client.search("stock.location", [("code", "=", "STO")])
    [s.supply_room] = await client.create("stock.location", [{
        "name": "OR supply room", "code": "ORSUP", "type": "storage", "parent": storage}])
    [s.operating_room] = await client.create("stock.location", [{"name": "OR 3", "code": "OR3", "type": "production"}])
    company = client.context["company"]
    [root] = await client.create("analytic_account.account", [{"name": "Hospital", "type": "root", "company": company}])
    [view] = await client.create("analytic_account.account", [{
        "name": "Surgery", "code": "SUR", "type": "view", "root": root, "parent": root, "company": company}])
    [s.cost_center] = await client.create("analytic_account.account", [{
        "name": "Orthopedic OR", "code": "SUR-ORTHO", "type": "normal", "root": root, "parent": view,
        "company": company, "state": "opened"}])
    return s
