"""Record the JSON-RPC records the transform golden tests use, from a real, freshly seeded Tryton 7.0.

    .venv/bin/python tests/connectors/tryton/record_fixtures.py

Writes tests/transforms/fixtures/tryton_*.json: each the ``search_read`` result TrytonErp asks for, in
Tryton's wire encoding (``{"__class__": "Decimal", ...}``). Re-run after changing the fields read.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tryton_support import ROOT, TrytonServer, ensure_installed, seed

from suture.connectors.tryton.client import TrytonClient, dumps
from suture.connectors.tryton.erp import ALL, TrytonErp
from suture.transforms import tryton as tx

OUT = ROOT / "tests" / "transforms" / "fixtures"


async def record(client: TrytonClient) -> dict[str, list[dict[str, Any]]]:
    s = await seed(client)
    company = client.context["company"]
    [root] = await client.search("analytic_account.account", [("type", "=", "root")])
    await client.create("analytic_account.account", [{
        "name": "Old cath lab", "code": "CATH-OLD", "type": "normal", "root": root, "parent": root,
        "company": company, "state": "closed"}])
    modules = await TrytonErp(client).modules()
    products = await client.search_read("product.product", [("id", "in", [s.stem, s.gauze])],
                                        tx.product_fields(modules), order=[("id", "ASC")], context=ALL)
    parties = await client.search_read("party.party", [("id", "in", [s.supplier, s.listed_supplier])],
                                       tx.party_fields(modules), order=[("id", "ASC")], context=ALL)
    locations = await client.search_read("stock.location", [("type", "in", sorted(tx.LOCATION_KINDS))],
                                          tx.LOCATION_FIELDS, order=[("id", "ASC")], context=ALL)
    analytic = await client.search_read("analytic_account.account", [("type", "=", "normal")], tx.ANALYTIC_FIELDS,
                                        order=[("id", "ASC")], context=ALL)
    push_read = await client.read("product.product", [s.stem], tx.ITEM_PUSH_READ, context=ALL)
    return {"tryton_products": products, "tryton_parties": parties, "tryton_locations": locations,
            "tryton_analytic_accounts": analytic, "tryton_product_push_read": push_read}


async def main() -> None:
    problem = ensure_installed()
    if problem:
        sys.exit(problem)
    with tempfile.TemporaryDirectory() as tmp:
        server = TrytonServer(Path(tmp))
        server.start()
        try:
            async with server.client() as client:
                recorded = await record(client)
        finally:
            server.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in recorded.items():
        text = json.dumps(json.loads(dumps(rows)), indent=1, ensure_ascii=False, sort_keys=True)
        (OUT / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        print(f"wrote {OUT / name}.json ({len(rows)} records)")


if __name__ == "__main__":
    asyncio.run(main())
