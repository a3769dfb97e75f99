"""MLLP ingest benchmark: Suture's msg/s and ACK latency beside this machine's own limits.

    .venv/bin/python bench/mllp_ingest.py [--seconds 8] [--quick] [--only sqlite|postgres] [--json]

Baselines first (fdatasync rate of 1.2 KB appends in the journal's filesystem, a bare MLLP echo server,
the journal's own SQL in a loop), then the real engine (``suture run``) as a subprocess with a durable
journal, driven by 1 and 8 MLLP senders in their own process:

* ``ingest``: parse, journal the envelope, ACK (the route's filter takes nothing, so no delivery).
* ``e2e``: filter + transform + HTTP delivery to a receiver process on 127.0.0.1.

PostgreSQL cases need 127.0.0.1:5432 (database ``test``, user ``postgres``) and use a fresh schema;
they are skipped with a message when the server is down. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console
from suture_bench.cases import Plan, run_all, say
from suture_bench.engine import REPO, postgres_up, postgres_version
from suture_bench.report import annotate, print_report
from suture_bench.stats import machine


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=None, help="measured seconds per case (default 8; quick 3)")
    p.add_argument("--warmup", type=float, default=None, help="warm-up seconds before each case (default 2)")
    p.add_argument("--quick", action="store_true", help="short run (~1 minute) for a smoke check")
    p.add_argument("--only", choices=("sqlite", "postgres"), help="one journal backend only")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout (progress on stderr)")
    p.add_argument("--keep", action="store_true", help="keep var/bench/run-*/ (journals, engine log)")
    p.add_argument("--show", metavar="JSON", help="print the tables of a saved --json run and exit")
    return p.parse_args(argv)


def plan_from(args: argparse.Namespace, work: Path) -> Plan:
    quick = args.quick
    backends = [args.only] if args.only else ["sqlite", "postgres"]
    if "postgres" in backends and not postgres_up():
        say("PostgreSQL is not answering on 127.0.0.1:5432: skipping the PostgreSQL cases")
        backends.remove("postgres")
    return Plan(
        seconds=args.seconds if args.seconds is not None else (3.0 if quick else 8.0),
        warmup_s=args.warmup if args.warmup is not None else (1.0 if quick else 2.0),
        probe_s=0.75 if quick else 1.5,
        baseline_s=1.0 if quick else 2.0,
        backends=backends,
        work=work,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.show:
        print_report(json.loads(Path(args.show).read_text()), Console(width=200))
        return 0
    work = REPO / "var" / "bench" / time.strftime("run-%Y%m%d-%H%M%S")
    work.mkdir(parents=True, exist_ok=True)
    plan = plan_from(args, work)
    if not plan.backends:
        say("no journal backend to run")
        return 2
    started = time.monotonic()
    try:
        host = machine(REPO, work)
        if "postgres" in plan.backends:
            host["postgres"] = postgres_version()
        results = {
            "machine": host,
            "settings": {"seconds": plan.seconds, "warmup_s": plan.warmup_s, "backends": plan.backends},
            **run_all(plan),
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["settings"]["wall_s"] = round(time.monotonic() - started, 1)
    annotate(results)
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_report(results, Console(width=200))
    return 0


if __name__ == "__main__":
    sys.exit(main())
