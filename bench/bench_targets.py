"""Benchmark: the policy targets (issue 11): the /metas, /metas drill-down and /painel page builders, cold
(first call after start: queries and disparity computed) and warm (cached). The ETL step's own time is
in every build's log (`targets: 12 targets, … (0.73 s)` on the real data system).

    .venv/bin/python -m bench.bench_targets [--write]

Reads the database the app is configured for (OBS_DB / data/observatorio.duckdb). --write appends the
figures under "## Targets" in bench/RESULTS.md with the date and the machine. Targets: each page
under 3 s cold and 1 s warm on the project's 2-core machine.
"""
from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _time(fn, n: int = 3) -> tuple[float, float]:
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    return cold, min(warm)


def main(argv: list[str] | None = None) -> int:
    import app  # noqa: F401  (registers the pages)
    import pages.metas as metas
    import pages.painel as painel
    from bench.common import machine
    p = argparse.ArgumentParser()
    p.add_argument("--write", action="store_true")
    args = p.parse_args(argv or [])
    lines = ["| page builder | cold s | warm s |", "|---|---:|---:|"]
    for name, fn in (("/painel", lambda: painel.layout()), ("/metas", lambda: metas.layout()),
                     ("/metas?meta=pmp_60_dias", lambda: metas.layout(meta="pmp_60_dias")),
                     ("/painel?lang=en", lambda: painel.layout(lang="en"))):
        cold, warm = _time(fn)
        lines.append(f"| {name} | {cold:.2f} | {warm:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(f"\n## Targets\n\n{stamp} — {machine()}\n\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
