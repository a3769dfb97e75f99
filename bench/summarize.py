"""Medians and ranges over several ``mllp_ingest.py --json`` runs, as Markdown (for docs/benchmarks.md).

for i in 1 2 3; do .venv/bin/python bench/mllp_ingest.py --json > /tmp/run$i.json; done
.venv/bin/python bench/summarize.py /tmp/run*.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

Run = dict[str, Any]


def spread(values: list[float], digits: int = 0) -> str:
    """``median (min-max)``, or the single value.

    >>> spread([3.0, 1.0, 2.0])
    '2 (1-3)'
    """
    if not values:
        return ""
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:,.{digits}f}"
    return f"{med:,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def host_lines(runs: list[Run]) -> list[str]:
    out = [
        "| run | date | fdatasync probes /s (min-max) | busy-loop share of a core (min) | wall s |",
        "|---|---|---|---|---|",
    ]
    for i, r in enumerate(runs, 1):
        probes, cpu = r.get("fdatasync_probes", [0.0]), r.get("cpu_probes", [0.0])
        out.append(
            f"| {i} | {r['machine']['date']} | {min(probes):,.0f}-{max(probes):,.0f} | {min(cpu):.0%} "
            f"| {r['settings'].get('wall_s', '')} |"
        )
    return out


def baseline_lines(runs: list[Run]) -> list[str]:
    probes = [p for r in runs for p in r.get("fdatasync_probes", [])]
    out = [
        "| machine limit | per second | p50 ms | p99 ms |",
        "|---|---|---|---|",
        f"| fdatasync, 1.2 KB append (all probes) | {spread(probes)} | | |",
    ]
    for n in (1, 8):
        echo = [r["baselines"][f"echo_{n}"] for r in runs]
        out.append(
            f"| bare MLLP echo, {n} sender(s) | {spread([e['rate'] for e in echo])} | "
            f"{spread([e['p50_ms'] for e in echo], 2)} | {spread([e['p99_ms'] for e in echo], 2)} |"
        )
    for backend in ("sqlite", "postgres"):
        for batch in (1, 8):
            key = f"journal_sql_{backend}_{batch}"
            values = [r["baselines"][key] for r in runs if key in r["baselines"]]
            if values:
                out.append(f"| journal SQL only, {backend}, {batch} msg/commit | {spread(values)} | | |")
    return out


def case_lines(runs: list[Run], quiet_only: bool = False) -> list[str]:
    """One row per case; ``quiet_only`` keeps the cases whose CPU probes on both sides saw no competition."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for r in runs:
        for c in r["cases"]:
            if quiet_only and not c.get("quiet", False):
                continue
            groups.setdefault((c["case"], c["backend"], c["senders"]), []).append(c)
    out = [
        "| case | journal | senders | n | msg/s | p50 ms | p99 ms | delivered/s | engine CPU µs/msg | "
        "fdatasync around it /s | % of limit | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = {"sqlite": 0, "postgres": 1, "ingest": 0, "e2e": 1}
    for (kind, backend, senders), cases in sorted(
        groups.items(), key=lambda g: (order[g[0][1]], order[g[0][0]], g[0][2])
    ):

        def col(key: str, digits: int = 0, cs: list[dict[str, Any]] = cases) -> str:
            return spread([c[key] for c in cs if key in c], digits)

        shares = spread([100.0 * c["limit_share"] for c in cases])
        met = [c["met"] for c in cases if c["met"] is not None]
        target = cases[0]["target"].split(" (")[0]
        out.append(
            f"| {kind} | {backend} | {senders} | {len(cases)} | {col('rate')} | {col('p50_ms', 2)} | "
            f"{col('p99_ms', 2)} | {col('delivered_rate')} | {col('server_cpu_us_per_msg')} | {col('fdatasync')} | "
            f"{shares}% of {cases[0]['limit_name']} | {target} | {f'{sum(met)} of {len(met)}' if met else ''} |"
        )
    return out


def main(paths: list[str]) -> int:
    runs = [json.loads(Path(p).read_text()) for p in paths]
    if not runs:
        print(__doc__)
        return 2
    m = runs[0]["machine"]
    print(
        f"{len(runs)} run(s); {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['os']}, {m['filesystem']}; "
        f"medians with (min-max).\n"
    )
    for block in (host_lines(runs), baseline_lines(runs), case_lines(runs)):
        print("\n".join(block) + "\n")
    print(
        "Only the cases with no other process competing for the CPU (busy-loop probe >= 90% of a core on both sides):\n"
    )
    print("\n".join(case_lines(runs, quiet_only=True)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
