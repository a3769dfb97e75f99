"""Run the baselines and the Suture cases; every figure is a plain dict so it can go to JSON as is."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suture_bench import baselines
from suture_bench.engine import RunningEngine, engine, postgres_schema
from suture_bench.receiver import Receiver
from suture_bench.senders import LoadResult, new_tag, run_in_process
from suture_bench.stats import ingest_histogram, percentile

# A busy loop gets at least this share of a core on a host where nothing else runs.
QUIET_CPU_SHARE = 0.9
# The e2e case waits this long after the senders stop for the sink to deliver the rest.
DRAIN_TIMEOUT_S = 60.0


@dataclass
class Plan:
    seconds: float
    warmup_s: float
    probe_s: float  # fdatasync probe around each case
    baseline_s: float  # journal SQL baselines
    backends: list[str]
    work: Path


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_figures(r: LoadResult) -> dict[str, Any]:
    lat = sorted(r.latencies_ms)
    return {
        "senders": r.senders,
        "msgs": r.measured,
        "seconds": round(r.seconds, 3),
        "rate": r.rate,
        "p50_ms": percentile(lat, 50),
        "p99_ms": percentile(lat, 99),
        "max_ms": lat[-1] if lat else 0.0,
        "failures": r.failures,
        "bad_codes": r.bad_codes,
        "errors": r.errors,
        "client_cpu_pct": 100.0 * r.client_cpu_s / max(r.seconds, 1e-9),
        "client_cpu_us_per_msg": 1e6 * r.client_cpu_s / max(r.measured, 1),
        # the server: the engine, or the bare echo process
        "server_cpu_pct": 100.0 * r.watched_cpu_s / max(r.seconds, 1e-9),
        "server_cpu_us_per_msg": 1e6 * r.watched_cpu_s / max(r.measured, 1),
    }


def probe(plan: Plan, probes: list[float], cpu: list[float]) -> tuple[float, float]:
    """(fdatasync rate, share of a core a busy loop gets) now; both are also appended to the lists."""
    cpu.append(baselines.cpu_share(0.3))
    probes.append(baselines.fdatasync_rate(plan.work, plan.probe_s))
    return probes[-1], cpu[-1]


def run_baselines(plan: Plan, probes: list[float], cpu: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    say(f"baseline: fdatasync of 1.2 KB appends in {plan.work} ...")
    out["fdatasync"] = probe(plan, probes, cpu)[0]
    with baselines.EchoServer() as echo:
        for senders in (1, 8):
            say(f"baseline: bare MLLP echo, {senders} sender(s) ...")
            r = run_in_process("127.0.0.1", echo.port, senders, plan.warmup_s, plan.seconds, new_tag(), echo.pid)
            out[f"echo_{senders}"] = load_figures(r)
    for backend in plan.backends:
        with _database(backend, plan.work / f"journal-sql-{backend}") as url:
            for batch in (1, 8):
                say(f"baseline: journal SQL only on {backend}, {batch} message(s) per commit ...")
                rate = baselines.journal_sql_rate(url, plan.work / f"journal-sql-{backend}", batch, plan.baseline_s)
                out[f"journal_sql_{backend}_{batch}"] = rate
    return out


@contextlib.contextmanager
def _database(backend: str, directory: Path) -> Any:
    if backend == "postgres":
        with postgres_schema() as url:
            yield url
    else:
        directory.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{directory}/journal.db"


CASES = (("ingest", 1), ("ingest", 8), ("e2e", 1), ("e2e", 8))


def run_backend(plan: Plan, backend: str, probes: list[float], cpu: list[float]) -> list[dict[str, Any]]:
    """Start one engine on ``backend`` and run every case against it.

    The disk's fdatasync rate is probed before and after every case; a case is judged against the mean of
    the two probes around it, since the disk can move several-fold within a minute on a shared host.
    """
    results: list[dict[str, Any]] = []
    directory = plan.work / f"engine-{backend}"
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_schema()) if backend == "postgres" else None
        receiver = stack.enter_context(Receiver())
        say(f"starting suture on {backend} ...")
        running = stack.enter_context(engine(directory, receiver.url, url))
        before = probe(plan, probes, cpu)
        for kind, senders in CASES:
            say(f"suture {kind} on {backend}, {senders} sender(s) (fdatasync just before: {before[0]:,.0f}/s) ...")
            case = _case(plan, running, receiver, backend, kind, senders)
            after = probe(plan, probes, cpu)
            case.update(
                fdatasync_before=before[0],
                fdatasync_after=after[0],
                fdatasync=(before[0] + after[0]) / 2,
                cpu_share_before=before[1],
                cpu_share_after=after[1],
                # nothing else competing for the CPU on either side of the case
                quiet=min(before[1], after[1]) >= QUIET_CPU_SHARE,
            )
            results.append(case)
            before = after
    return results


def _case(
    plan: Plan, running: RunningEngine, receiver: Receiver, backend: str, kind: str, senders: int
) -> dict[str, Any]:
    channel = f"bench-{kind}"
    port = running.ingest_port if kind == "ingest" else running.e2e_port
    before = receiver.stats()
    h0 = ingest_histogram(running.metrics(), channel)
    r = run_in_process("127.0.0.1", port, senders, plan.warmup_s, plan.seconds, new_tag(), running.proc.pid)
    h1 = ingest_histogram(running.metrics(), channel)
    out = {
        "case": kind,
        "backend": backend,
        **load_figures(r),
        # warm-up included: the histogram cannot be cut at the window
        "engine_ingest_ms": 1000.0 * (h1[0] - h0[0]) / max(h1[1] - h0[1], 1.0),
    }
    if kind == "e2e":
        out.update(_delivery_figures(receiver, r, before))
    return out


def _delivery_figures(receiver: Receiver, r: LoadResult, before: dict[str, Any]) -> dict[str, Any]:
    """Receiver-side rate inside the senders' measured window, and how long the queue took to drain."""
    in_window = receiver.stats(r.window_start, r.window_end)["in_window"]
    expected = before["total"] + r.acked_total
    final = receiver.wait_for(expected, DRAIN_TIMEOUT_S)
    drained = final["total"] >= expected
    return {
        "delivered_rate": in_window / r.seconds,
        "delivered_missing": max(0, expected - final["total"]),
        # from the last ACK to the last POST: how far delivery lagged behind ingest
        "drain_s": max(0.0, final["last"] - r.window_end) if drained else DRAIN_TIMEOUT_S,
        "receiver_duplicates": final["duplicates"] - before["duplicates"],
        "receiver_untransformed": final["untransformed"] - before["untransformed"],
    }


def run_all(plan: Plan) -> dict[str, Any]:
    probes: list[float] = []
    cpu: list[float] = []
    out: dict[str, Any] = {"baselines": run_baselines(plan, probes, cpu), "cases": []}
    for backend in plan.backends:
        out["cases"].extend(run_backend(plan, backend, probes, cpu))
    say("baseline: fdatasync again, to see how much the disk moved during the run ...")
    out["baselines"]["fdatasync_end"] = probe(plan, probes, cpu)[0]
    out["fdatasync_probes"] = probes
    out["cpu_probes"] = cpu
    return out
