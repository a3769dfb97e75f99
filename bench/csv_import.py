"""Benchmark: import a 100,000-item CSV into master data (issue 3 asks for under 30 s).

Generates the CSV in a temporary directory (description, base UOM, a GTIN, manufacturer and catalog
numbers, flags, price, GL account and an ERP product id per row), then times ``import_items_csv`` into a
fresh SQLite journal (WAL, synchronous=FULL) and, when it is listening, a fresh PostgreSQL schema. A second
import of the same file (every row unchanged: read, validate, compare) is timed too.

    .venv/bin/python bench/csv_import.py [--items 100000] [--batch 5000] [--postgres URL | --no-postgres]
                                         [--cache]

``--cache`` gives the store a warm crosswalk cache (as the engine has), which matches rows to records in
memory instead of by a database look-up per external id.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import secrets
import socket
import statistics
import tempfile
import time
from pathlib import Path

from suture.store import open_journal
from suture.store.crosswalk import CrosswalkCache
from suture.store.csv_import import ImportReport, import_items_csv
from suture.store.masterdata import MasterStore

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
HEADER = [
    "id",
    "description",
    "base_uom",
    "gtin",
    "manufacturer",
    "manufacturer_catalog_number",
    "vendor_catalog_number",
    "implantable",
    "lot_controlled",
    "serial_controlled",
    "chargeable",
    "charge_code",
    "price",
    "gl_account",
    "status",
    "xref:erp:product",
]


def gtin(n: int) -> str:
    """A 14-digit GTIN with a valid check digit."""
    body = f"{3000000000000 + n:013d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def write_csv(path: Path, items: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n in range(items):
            implant = n % 10 == 0
            w.writerow(
                [
                    "",
                    f"Item {n} sterile supply",
                    "EA",
                    gtin(n),
                    f"Maker {n % 97}",
                    f"MC-{n:07d}",
                    f"VC-{n:07d}",
                    implant,
                    implant,
                    implant,
                    implant,
                    f"C{n:06d}" if implant else "",
                    f"{(n % 5000) / 100 + 1:.2f}",
                    "6100",
                    "active",
                    f"P{n:07d}",
                ]
            )


async def run_import(
    url: str, base: Path, csv_path: Path, batch: int, cache: bool
) -> dict[str, tuple[float, ImportReport]]:
    journal = open_journal(url, base)
    await journal.open()
    try:
        crosswalk = CrosswalkCache(journal) if cache else None
        if crosswalk is not None:
            await crosswalk.load("item")
        store = MasterStore(journal, cache=crosswalk)
        t0 = time.perf_counter()
        first = await import_items_csv(store, csv_path, system="erp", batch_size=batch)
        t1 = time.perf_counter()
        again = await import_items_csv(store, csv_path, system="erp", batch_size=batch)
        t2 = time.perf_counter()
    finally:
        await journal.close()
    return {"first": (t1 - t0, first), "again": (t2 - t1, again)}


def postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def pg_schema(url: str) -> tuple[str, str]:
    """A fresh schema: (its name, a URL that uses it)."""
    import psycopg

    schema = f"suture_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{url}?options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def row(backend: str, label: str, runs: list[tuple[float, ImportReport]], items: int) -> str:
    seconds = statistics.median(r[0] for r in runs)
    report = runs[-1][1]
    spread = f"{min(r[0] for r in runs):.1f}-{max(r[0] for r in runs):.1f}"
    return (
        f"| {backend:<10} | {label:<15} | {seconds:8.2f} | {spread:>11} | {items / seconds:8,.0f} | "
        f"{report.created:7,} | {report.updated:7,} | {report.unchanged:9,} | {len(report.errors):6,} |"
    )


def measure(
    url: str | None, base: Path, csv_path: Path, args: argparse.Namespace, n: int
) -> dict[str, tuple[float, ImportReport]]:
    """One fresh database (a new SQLite file, or a new PostgreSQL schema), two imports."""
    if url is None:
        return asyncio.run(run_import(f"sqlite:///{base}/bench-{n}.db", base, csv_path, args.batch, args.cache))
    pg = pg_schema(url)
    try:
        return asyncio.run(run_import(pg[1], base, csv_path, args.batch, args.cache))
    finally:
        drop_schema(url, pg[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--postgres", default=DEFAULT_PG)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--cache", action="store_true", help="match rows through a warm crosswalk cache")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="suture-bench-") as tmp:
        base = Path(tmp)
        csv_path = base / "items.csv"
        t0 = time.perf_counter()
        write_csv(csv_path, args.items)
        print(
            f"generated {args.items:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - t0:.1f} s; {args.batch:,} rows per transaction; "
            f"{'with' if args.cache else 'without'} a crosswalk cache; median of {args.runs} runs"
        )
        lines = [
            "| backend    | run             | seconds  | min-max (s) |   rows/s | created | updated | unchanged | "
            "errors |",
            "| ---------- | --------------- | -------: | ----------: | -------: | ------: | ------: | --------: | "
            "-----: |",
        ]
        backends: list[tuple[str, str | None]] = [("sqlite", None)]
        if not args.no_postgres and postgres_up():
            backends.append(("postgresql", args.postgres))
        for name, url in backends:
            runs = [measure(url, base, csv_path, args, n) for n in range(args.runs)]
            lines.append(row(name, "first import", [r["first"] for r in runs], args.items))
            lines.append(row(name, "same file again", [r["again"] for r in runs], args.items))
        print("\n".join(lines))


if __name__ == "__main__":
    main()
