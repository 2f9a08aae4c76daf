"""Full ETL build from the real data system: wall time and peak memory (RSS of the build process and
its children), appended with the date and the machine under "## ETL build" in bench/RESULTS.md.

Targets (issue §8): at most 30 s and 2 GB on the 2-core machine. The build runs in a subprocess into
a temporary data dir, so the developer's database is untouched.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
TARGET_S, TARGET_MB = 30.0, 2048.0




def run_build(data_system: Path, runs: int = 1) -> list[tuple[float, float]]:
    out = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "OBS_DATA_DIR": tmp, "OBS_DB": str(Path(tmp) / "observatorio.duckdb"),
                   "OBS_DATA_SYSTEM": str(data_system)}
            t0 = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            p = subprocess.run([sys.executable, "-m", "etl", "build", "--quiet"], cwd=ROOT, env=env,
                               capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if p.returncode:
                raise SystemExit(f"build failed:\n{p.stderr[-2000:]}")
            # ru_maxrss of children is the largest child's peak (KB on Linux)
            peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
            out.append((wall, peak))
    return out


def main(runs: int = 3) -> None:
    ds = Path(os.environ.get("OBS_DATA_SYSTEM") or ROOT.parent / "shared" / "data").resolve()
    res = run_build(ds, runs)
    best = min(w for w, _ in res)
    peak = max(m for _, m in res)
    ok = "✅" if best <= TARGET_S and peak <= TARGET_MB else "❌"
    line = (f"| {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC | {machine()} | {runs} | "
            f"{best:.1f} s (runs: {', '.join(f'{w:.1f}' for w, _ in res)}) | {peak:.0f} MB | {ok} ≤ {TARGET_S:.0f} s, "
            f"≤ {TARGET_MB / 1024:.0f} GB |")
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    head = "## ETL build"
    table = ("| date | machine | runs | full build (best) | peak RSS | target |\n"
             "|---|---|---|---|---|---|")
    if head not in text:
        text = text.rstrip() + f"\n\n{head}\n\n`python -m etl build` from `{ds.name}` (all sources, indicators, " \
                               f"peers, alarms, web boundaries), in a subprocess; peak RSS of that process.\n\n" \
                               f"{table}\n"
    # append the row at the end of the ETL section's table
    start = text.index(head)
    nxt = text.find("\n## ", start + len(head))
    section = text[start:] if nxt < 0 else text[start:nxt]
    section = section.rstrip() + "\n" + line + "\n"
    text = text[:start] + section + ("" if nxt < 0 else text[nxt:])
    RESULTS.write_text(text, encoding="utf-8")
    print(line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
