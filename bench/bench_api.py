"""Benchmark: server time of /api/v1/values for one whole indicator, in-process (Flask test client).

    .venv/bin/python -m bench.bench_api [--db PATH] [--n 200] [--indicator indice_envelhecimento] [--write]

Without --db it builds the database from $OBS_DATA_SYSTEM (default ../shared/data) into a temporary
directory. Modes: see MODES. --write appends the figures under
"## API" in bench/RESULTS.md with the date and the machine.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import machine, pct

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_MS = 50.0






def ensure_db(db: str | None) -> Path | None:
    """Point the app at a database; build one into a temporary directory (returned) if none is given."""
    if db:
        os.environ["OBS_DB"] = str(Path(db).resolve())
        return None
    ds = os.environ.get("OBS_DATA_SYSTEM") or str(ROOT.parent / "shared" / "data")
    out = Path(tempfile.mkdtemp(prefix="obs-bench-"))
    os.environ["OBS_DATA_DIR"] = str(out)
    os.environ["OBS_DB"] = str(out / "observatorio.duckdb")
    os.environ["OBS_DATA_SYSTEM"] = ds
    from etl.build import build
    build(Path(ds), progress=lambda m: None)
    return out


MODES = {
    "cold": "query and response caches emptied before every request: query + JSON/CSV serialisation",
    "query cached": "query result cached, response built on every request (response cache emptied)",
    "warm": "same URL again: response served from the cache",
}


def run(url: str, n: int, mode: str, client, data) -> dict:
    times, cpu, size = [], [], 0
    for i in range(n):
        u = url
        if mode == "cold":
            with client.application.app_context():
                data.cache.clear()
            data._local_cache.clear()
            from api import routes as api
            api.response_cache.clear()
        elif mode == "query cached":   # the response cache emptied (a `_=` cache buster is a 400 now)
            from api import routes as api
            api.response_cache.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(u)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert r.status_code == 200, r.data[:200]
        size = len(r.data)
    return {"n": n, "p50": statistics.median(times), "p95": pct(times, 95), "max": max(times),
            "cpu50": statistics.median(cpu), "cpu95": pct(cpu, 95),
            "bytes": size, "rows": int(r.headers["X-Total-Count"])}


def main(argv: list[str] | None = None) -> int:
    """`make bench` calls main() without arguments: default run, figures appended to RESULTS.md."""
    if argv is None:
        argv = ["--write"]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--indicator", default="indice_envelhecimento")
    ap.add_argument("--write", action="store_true", help="append the results to bench/RESULTS.md")
    a = ap.parse_args(argv)
    tmp = ensure_db(a.db)
    try:
        return _bench(a)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _bench(a) -> int:
    from flask import Flask

    from api import routes as api
    from serving import data
    app = Flask("bench_api")
    api.init_app(app)
    client = app.test_client()
    cases = [("municipalities × all periods", f"/api/v1/values?indicator={a.indicator}&level=municipio&page_size=10000"),
             ("all levels × all periods", f"/api/v1/values?indicator={a.indicator}&page_size=10000"),
             ("municipalities, CSV", f"/api/v1/values?indicator={a.indicator}&level=municipio&page_size=10000&format=csv")]
    for _, url in cases:   # warm-up: imports, engine, first connection
        client.get(url)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    header = ["| request | cache | n | rows | size | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms | target (p95) |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    print("\n".join(header), flush=True)
    lines = []
    def row(label, mode, res):
        ok = "ok" if res["p95"] <= TARGET_MS else "OVER TARGET"
        line = (f"| {label} | {mode} | {res['n']} | {res['rows']} | {res['bytes'] / 1024:.0f} KiB "
                f"| {res['p50']:.1f} | {res['p95']:.1f} | {res['max']:.1f} | {res['cpu50']:.1f} | {res['cpu95']:.1f} | {ok} |")
        print(line, flush=True)
        lines.append(line)

    for label, url in cases:
        for mode in MODES:
            row(label, mode, run(url, a.n, mode, client, data))
    if a.write:
        path = HERE / "RESULTS.md"
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        block = [f"\n### {stamp} — `python -m bench.bench_api --n {a.n}`\n",
                 f"Machine: {machine()}. In-process Flask test client (server time, no network); "
                 f"indicator `{a.indicator}`; target p95 ≤ {TARGET_MS:.0f} ms; load average before the run "
                 f"{load}. " + "; ".join(f"*{k}*: {v}" for k, v in MODES.items()) + ". Wall-clock figures "
                 "include waiting for a CPU on a shared machine; the CPU columns are the process's own "
                 "CPU time per request.\n",
                 *header, *lines]
        if "\n## API" not in text:
            text = text.rstrip("\n") + "\n\n## API\n"
        # append at the end of the API section (before the next "## " heading, if any)
        head, _, rest = text.partition("\n## API\n")
        nxt = rest.find("\n## ")
        section, tail = (rest, "") if nxt < 0 else (rest[:nxt], rest[nxt:])
        section = section.rstrip("\n") + "\n" if section.strip() else ""
        text = head + "\n## API\n" + section + "\n".join(block) + "\n" + tail
        path.write_text(text, encoding="utf-8")
        print(f"appended to {path}")
    return 0


if __name__ == "__main__":
    import sys
    raise SystemExit(main(sys.argv[1:]))
