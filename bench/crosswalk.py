"""Benchmark: crosswalk look-ups by external id (issue 3 asks for 50,000/s in process on a warm cache with
100,000 items).

Loads 100,000 items, each with a GTIN (GS1/GTIN) and an ERP product id (erp/product), through
``MasterStore.bulk_put``; warms a :class:`CrosswalkCache`; then times, as the median of several runs:

* forward look-ups by external id (GTINs and ERP ids mixed, all hits), misses, and look-ups on a date;
* reverse look-ups (canonical id -> ERP product id, and every external id of a record);
* the database path (``MasterStore.resolve``: one reader-thread round trip each), one caller at a time and
  64 concurrent callers, on SQLite and (when listening) PostgreSQL.

    .venv/bin/python bench/crosswalk.py [--items 100000] [--runs 5] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from suture.canonical.base import ExternalId, Provenance
from suture.store import open_journal
from suture.store.crosswalk import CrosswalkCache
from suture.store.masterdata import BulkRow, MasterStore

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
LOOKUPS = 1_000_000


def gtin(n: int) -> str:
    body = f"{3000000000000 + n:013d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def rows(items: int) -> list[BulkRow]:
    return [
        (
            None,
            {"description": f"Item {n}", "gtins": (gtin(n),), "price": "1.00"},
            [
                ExternalId(system="GS1", namespace="GTIN", value=gtin(n)),
                ExternalId(system="erp", namespace="product", value=f"P{n:07d}"),
            ],
        )
        for n in range(items)
    ]


def rate(fn: Callable[[], int], runs: int) -> float:
    """Median operations per second of ``fn`` (which returns how many it did) over ``runs`` runs."""
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        n = fn()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def cache_rates(cache: CrosswalkCache, ids: list[str], items: int, runs: int) -> list[tuple[str, float]]:
    rnd = random.Random(7)
    picks = [rnd.randrange(items) for _ in range(LOOKUPS)]
    keys = [("GS1", "GTIN", gtin(n)) if i % 2 else ("erp", "product", f"P{n:07d}") for i, n in enumerate(picks)]
    misses = [("erp", "product", f"X{n:07d}") for n in picks]
    by_id = [ids[n] for n in picks]
    on = date(2024, 6, 15)
    resolve, external_value, external_ids = cache.resolve, cache.external_value, cache.external_ids

    def hits() -> int:
        for system, namespace, value in keys:
            resolve("item", system, namespace, value)
        return len(keys)

    def miss() -> int:
        for system, namespace, value in misses:
            resolve("item", system, namespace, value)
        return len(misses)

    def dated() -> int:
        for system, namespace, value in keys:
            resolve("item", system, namespace, value, on)
        return len(keys)

    def reverse() -> int:
        for cid in by_id:
            external_value("item", cid, "erp", "product")
        return len(by_id)

    def every() -> int:
        for cid in by_id[:200_000]:
            external_ids("item", cid)
        return 200_000

    assert all(resolve("item", *k) is not None for k in keys[:1000])
    return [
        ("cache: resolve by external id (hits)", rate(hits, runs)),
        ("cache: resolve, unknown id (misses)", rate(miss, runs)),
        ("cache: resolve on a date", rate(dated, runs)),
        ("cache: reverse, id -> ERP product id", rate(reverse, runs)),
        ("cache: reverse, id -> all external ids", rate(every, runs)),
    ]


async def db_rates(store: MasterStore, items: int, runs: int) -> list[tuple[str, float]]:
    rnd = random.Random(11)
    n_serial, n_concurrent = 2000, 10_000

    async def serial() -> int:
        for _ in range(n_serial):
            await store.resolve("item", "erp", "product", f"P{rnd.randrange(items):07d}")
        return n_serial

    async def concurrent() -> int:
        sem = asyncio.Semaphore(64)

        async def one() -> None:
            async with sem:
                await store.resolve("item", "erp", "product", f"P{rnd.randrange(items):07d}")

        await asyncio.gather(*(one() for _ in range(n_concurrent)))
        return n_concurrent

    out = []
    for label, fn in (("database: resolve, 1 caller", serial), ("database: resolve, 64 concurrent", concurrent)):
        rates = []
        for _ in range(runs):
            t0 = time.perf_counter()
            n = await fn()
            rates.append(n / (time.perf_counter() - t0))
        out.append((label, statistics.median(rates)))
    return out


async def run(url: str, base: Path, items: int, runs: int, with_cache: bool) -> list[tuple[str, float]]:
    journal = open_journal(url, base)
    await journal.open()
    try:
        store = MasterStore(journal)
        t0 = time.perf_counter()
        result = await store.bulk_put("item", rows(items), Provenance(system="bench"))
        assert result.count("created") == items, result.errors[:3]
        out = [("load: bulk_put items + 2 external ids each", items / (time.perf_counter() - t0))]
        if with_cache:
            cache = CrosswalkCache(journal)
            t0 = time.perf_counter()
            loaded = await cache.load("item")
            out.append(("warm-up: cache.load, external ids/s", loaded / (time.perf_counter() - t0)))
            out += cache_rates(cache, list(result.ids), items, runs)  # type: ignore[arg-type]
        return out + await db_rates(store, items, runs)
    finally:
        await journal.close()


def pg_url(url: str) -> tuple[str, str] | None:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return None
    import psycopg

    schema = f"suture_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{url}?options=-csearch_path%3D{schema}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--postgres", default=DEFAULT_PG)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    table = [
        "| backend    | measurement                                 |        per second |",
        "| ---------- | ------------------------------------------- | ----------------: |",
    ]
    with tempfile.TemporaryDirectory(prefix="suture-bench-") as tmp:
        for label, value in asyncio.run(run(f"sqlite:///{tmp}/bench.db", Path(tmp), args.items, args.runs, True)):
            table.append(f"| sqlite     | {label:<43} | {value:17,.0f} |")
        pg = None if args.no_postgres else pg_url(args.postgres)
        if pg is not None:
            try:
                for label, value in asyncio.run(run(pg[1], Path(tmp), args.items, args.runs, False)):
                    table.append(f"| postgresql | {label:<43} | {value:17,.0f} |")
            finally:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {pg[0]} CASCADE")
    print(
        f"{args.items:,} items, 2 external ids each; cache figures: median of {args.runs} runs of "
        f"{LOOKUPS:,} look-ups (200,000 for all external ids); database figures: median of {args.runs} runs"
    )
    print("\n".join(table))


if __name__ == "__main__":
    main()
