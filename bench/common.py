"""What every benchmark shares: the machine's description and percentiles."""
from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """CPU count and model, OS, Python and the load average at start (other work skews timings)."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"nproc {len(os.sched_getaffinity(0))}, {cpu}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load avg {os.getloadavg()[0]:.1f} at start")


def pct(xs: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of xs."""
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))]
