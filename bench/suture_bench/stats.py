"""Small helpers: percentiles, process CPU, engine metrics, the machine's description."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.0
    """
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(min(rank, len(sorted_values))) - 1]


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ingest_histogram(metrics_text: str, channel: str) -> tuple[float, float]:
    """(sum, count) of ``suture_ingest_seconds`` for one channel, from the Prometheus text."""
    total = count = 0.0
    label = f'{{channel="{channel}"}}'
    for line in metrics_text.splitlines():
        if line.startswith(f"suture_ingest_seconds_sum{label}"):
            total = float(line.rsplit(" ", 1)[1])
        elif line.startswith(f"suture_ingest_seconds_count{label}"):
            count = float(line.rsplit(" ", 1)[1])
    return total, count


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _filesystem(path: Path) -> str:
    best, fs = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            dev, mnt, kind = line.split()[:3]
            if str(path).startswith(mnt) and len(mnt) > len(best):
                best, fs = mnt, f"{kind} on {dev} ({mnt})"
    except OSError:
        pass
    return fs


def _git_rev(repo: Path) -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine(repo: Path, data_dir: Path) -> dict[str, str | int]:
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "host": platform.node(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "python": sys.version.split()[0],
        "os": f"{platform.system()} {platform.release()}",
        "filesystem": _filesystem(data_dir.resolve()),
        "git": _git_rev(repo),
    }
