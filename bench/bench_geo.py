"""Benchmark: the web boundary layers (etl/geo.py): build time and sizes, raw and gzipped, per layer,
and the municipality layer's size at a few simplification tolerances.

    .venv/bin/python -m bench.bench_geo [--data-system PATH] [--write]

--write appends the figures under "## Geo" in bench/RESULTS.md with the date and the machine.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main(argv: list[str] | None = None) -> int:
    from bench.common import machine
    from etl.geo import BUDGET_GZIP, TOLERANCE, build_geo
    p = argparse.ArgumentParser()
    p.add_argument("--data-system", default=os.environ.get("OBS_DATA_SYSTEM") or str(ROOT.parent / "shared" / "data"))
    p.add_argument("--write", action="store_true")
    args = p.parse_args(argv or [])
    ds = Path(args.data_system)
    lines = []
    with tempfile.TemporaryDirectory(prefix="obs-bench-geo-") as tmp:
        t0 = time.perf_counter()
        m = build_geo(ds, Path(tmp) / "geo", progress=lambda s: None)
        dt = time.perf_counter() - t0
        lines.append(f"build_geo: {dt:.2f} s (tolerance {TOLERANCE}°, {m['decimals']} decimals)")
        lines.append("| layer | bytes | gzip bytes |")
        lines.append("|---|---:|---:|")
        for name, f in m["files"].items():
            lines.append(f"| {name} | {f['bytes']:,} | {f['gzip_bytes']:,} |")
        lines.append("")
        lines.append(f"municipios.geojson by tolerance (budget {BUDGET_GZIP // 1024} KB gzipped):")
        for tol in (0.0, 0.0005, 0.001, 0.002, 0.004):
            mm = build_geo(ds, Path(tmp) / f"geo{tol}", progress=lambda s: None, tolerance=tol)
            f = mm["files"]["municipios.geojson"]
            lines.append(f"- {tol}°: {f['bytes'] / 1024:.0f} KB raw, {f['gzip_bytes'] / 1024:.0f} KB gzipped")
    text = "\n".join(lines)
    print(text)
    if args.write:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(f"\n## Geo\n\n{stamp} — {machine()} — data system {ds}\n\n{text}\n")
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
