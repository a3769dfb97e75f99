"""One benchmark case, quickly, with the journal writer's own figures: for A/B work on the engine.

    .venv/bin/python bench/probe.py 8 ingest            # 8 MLLP senders, journal + ACK, SQLite
    .venv/bin/python bench/probe.py 8 e2e --postgres    # end to end to the HTTP receiver, PostgreSQL
    SUTURE_JOURNAL_WRITER=thread .venv/bin/python bench/probe.py 1 ingest    # settings via SUTURE_*
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/probe.py 8 ingest   # another checkout's engine

Starts the same engine subprocess, channels and receiver as ``mllp_ingest.py`` (no baselines, no fdatasync
probes), warms up, measures, then prints one line: msg/s, engine CPU per message, the journal's commits, the
mean group size and time inside a commit (``suture_journal_commit*`` metrics), ACK p50/p99. The host is
noisy: alternate variants in one sitting and compare medians (docs/benchmarks.md). ``--profile FILE`` also
records the engine with py-spy (``pip install py-spy`` into the venv first) in raw format; ``--gil`` keeps only
the samples that hold the GIL (where the Python CPU goes, without the waits).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from suture_bench.engine import REPO, engine, postgres_schema, postgres_up
from suture_bench.receiver import Receiver
from suture_bench.senders import new_tag, run_in_process
from suture_bench.stats import percentile


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("senders", type=int)
    p.add_argument("case", choices=("ingest", "e2e"))
    p.add_argument("--postgres", action="store_true", help="journal on PostgreSQL (127.0.0.1:5432, fresh schema)")
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--profile", metavar="FILE", help="py-spy raw profile of the engine over the measured window")
    p.add_argument("--gil", action="store_true", help="with --profile: only samples holding the GIL (CPU in Python)")
    args = p.parse_args(argv)
    if args.postgres and not postgres_up():
        print("PostgreSQL is not answering on 127.0.0.1:5432", file=sys.stderr)
        return 2
    (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="probe-", dir=REPO / "var" / "bench"))
    schema = postgres_schema() if args.postgres else contextlib.nullcontext(None)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, work, True)
        receiver = cleanup.enter_context(Receiver())
        url = cleanup.enter_context(schema)
        running = cleanup.enter_context(engine(work, receiver.url, url))
        port = running.ingest_port if args.case == "ingest" else running.e2e_port
        run_in_process("127.0.0.1", port, args.senders, 0.5, args.warmup, new_tag())
        spy = None
        if args.profile:
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-r", "500", "-d",
                                    str(int(args.seconds)), "-p", str(running.proc.pid), "-o", args.profile,
                                    "-f", "raw", "--threads", "--nonblocking", *(["--gil"] if args.gil else [])],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = run_in_process("127.0.0.1", port, args.senders, 0.5, args.seconds, new_tag(), running.proc.pid)
        if spy is not None:
            spy.wait()
        m = running.metrics()
    commits = _metric(m, "suture_journal_commits_total")
    ops = _metric(m, "suture_journal_commit_ops_total")
    seconds = _metric(m, "suture_journal_commit_seconds_total")
    lat = sorted(r.latencies_ms)
    print(f"{'postgres' if args.postgres else 'sqlite'} {args.case} x{args.senders}: {r.rate:,.0f} msg/s, "
          f"engine CPU {1e6 * r.watched_cpu_s / max(r.measured, 1):.0f} µs/msg, {commits:,.0f} commits of "
          f"{ops / max(commits, 1):.2f} ops, {1000 * seconds / max(commits, 1):.3f} ms each; ACK p50 "
          f"{percentile(lat, 50):.2f} ms, p99 {percentile(lat, 99):.2f} ms; failures {r.failures}")
    return 1 if r.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
