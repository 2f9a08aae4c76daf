"""Benchmark: a gunicorn worker's memory under many unique API URLs (issue 9 item 1), and the cost of
whole-indicator downloads once they are files (item 3).

    .venv/bin/python -m bench.bench_api_memory [--db-dir DIR] [--n 600] [--threads 4] [--no-write]

1. gunicorn -w 1 (app:server, the deployed app) on 127.0.0.1. Worker RSS (psutil) at start, after a
   warm-up, then after --n requests to unique *valid* URLs (every page size from 10 000 down, several
   pages, several indicators: up to ~4 MB of JSON each, the kind of load that grew a worker from
   486 MB to 1.6 GB in 43 s) plus --n requests with `_`-prefixed cache busters (now 400s). The worker's
   RSS must stay under CEILING_MB: the response cache holds at most 64 MiB and the query cache at
   most 128 MiB per worker (serving/memcache.py), whatever the URLs.
2. The biggest whole-indicator CSV and ZIP: first request (made and written once per build), then
   GET and HEAD again (sent from the file), and an unrelated API call while two clients download.

Loopback only, every loop bounded. Figures are appended under "## API" in bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import psutil

from bench.bench_app import ensure_db
from bench.common import RESULTS, Gunicorn, append_results
from bench.common import machine, pct

HERE = Path(__file__).resolve().parent
#: the stated ceiling of one worker's RSS under any mix of API URLs (see serving/memcache.py)
CEILING_MB = 900
#: growth over the warmed-up worker allowed by the caches' totals (64 + 128 MiB) and allocator slack
GROWTH_MB = 300


def _get(port: int, url: str, method: str = "GET") -> tuple[int, int, float]:
    t0 = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        c.request(method, url)
        r = c.getresponse()
        n = len(r.read())
        return r.status, n, (time.perf_counter() - t0) * 1000
    finally:
        c.close()


def _rss_mb(master: int) -> float:
    kids = psutil.Process(master).children()
    return max(k.memory_info().rss for k in kids) / 2**20 if kids else 0.0


def _indicators(port: int) -> list[tuple[str, int]]:
    """Public indicators with their number of values, biggest first."""
    import json
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/api/v1/indicators?page_size=10000")
    ids = [d["id"] for d in json.loads(c.getresponse().read())["data"]]
    out = []
    for iid in ids:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", f"/api/v1/values?indicator={iid}&page_size=1")
        out.append((iid, int(c.getresponse().getheader("X-Total-Count") or 0)))
    return sorted(out, key=lambda x: -x[1])


def unique_urls(inds: list[tuple[str, int]], n: int) -> list[str]:
    """n different valid URLs, most of them big pages (page sizes 10 000, 9 999, … over the biggest indicators)."""
    urls: list[str] = []
    size = 10_000
    while len(urls) < n and size > 0:
        for iid, total in inds[:4]:
            for page in (1, 2):
                if (page - 1) * size < total:
                    urls.append(f"/api/v1/values?indicator={iid}&page_size={size}&page={page}")
        size -= 1
    return urls[:n]


def memory(port: int, master: int, n: int, threads: int) -> dict:
    inds = _indicators(port)
    rss0 = _rss_mb(master)
    for iid, _ in inds[:4]:                       # warm-up: every indicator's first query, the engine
        _get(port, f"/api/v1/values?indicator={iid}&page_size=10000")
    warm = _rss_mb(master)
    urls = unique_urls(inds, n)
    busters = [f"/api/v1/values?indicator={inds[0][0]}&page_size=10000&_={i}" for i in range(n)]
    peak, statuses, sizes, times = warm, {}, [], []
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, _rss_mb(master))
            except psutil.Error:
                pass
            time.sleep(0.1)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.monotonic()
    with ThreadPoolExecutor(threads) as ex:
        for st, size, ms in ex.map(lambda u: _get(port, u), urls + busters):
            statuses[st] = statuses.get(st, 0) + 1
            sizes.append(size)
            times.append(ms)
    elapsed = time.monotonic() - t0
    stop.set()
    th.join(2)
    after = _rss_mb(master)
    return {"rss_start": rss0, "rss_warm": warm, "rss_after": after, "rss_peak": max(peak, after),
            "n_unique": len(urls), "n_busters": len(busters), "statuses": statuses, "elapsed": elapsed,
            "mb_served": sum(sizes) / 2**20, "p50": statistics.median(times), "p95": pct(times, 95),
            "big": inds[0]}


def downloads(port: int, iid: str) -> list[tuple[str, str]]:
    rows = []
    for ext in ("csv", "zip"):
        url = f"/download/indicador/{iid}.{ext}"
        st1, n1, first = _get(port, url)
        again = [_get(port, url)[2] for _ in range(5)]
        head = [_get(port, url, "HEAD")[2] for _ in range(5)]
        rows.append((f"`{url}` ({n1 / 2**20:.1f} MB): first request (made once per build) / GET again (file) / "
                     f"HEAD (median of 5)", f"{first:.0f} ms / {statistics.median(again):.1f} ms / "
                     f"{statistics.median(head):.1f} ms (status {st1})"))
    # an unrelated API call while two clients download the ZIP (2 workers would serve both; here one)
    url = f"/download/indicador/{iid}.zip"
    api = "/api/v1/territories/0101"
    _get(port, api)
    with ThreadPoolExecutor(3) as ex:
        futs = [ex.submit(_get, port, url) for _ in range(2)]
        time.sleep(0.01)
        t = ex.submit(_get, port, api).result()[2]
        for f in futs:
            f.result()
    rows.append(("unrelated API call while two clients download the ZIP (1 worker)", f"{t:.1f} ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = []
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db-dir")
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    ensure_db(a.db_dir)
    srv = Gunicorn(workers=1)
    try:
        m = memory(srv.port, srv.proc.pid, a.n, a.threads)
        dl = downloads(srv.port, m["big"][0])
    finally:
        srv.stop()
    growth = m["rss_peak"] - m["rss_warm"]
    ok = m["rss_peak"] <= CEILING_MB and growth <= GROWTH_MB and set(m["statuses"]) <= {200, 400}
    st = ", ".join(f"{k}: {v}" for k, v in sorted(m["statuses"].items()))
    table = ["| measure | result | target |", "|---|---|---|",
             f"| worker RSS: start / after warm-up / after {m['n_unique']} unique valid URLs + {m['n_busters']} "
             f"`_=` cache busters / peak | {m['rss_start']:.0f} / {m['rss_warm']:.0f} / {m['rss_after']:.0f} / "
             f"{m['rss_peak']:.0f} MB | {'✅' if ok else '❌'} peak ≤ {CEILING_MB} MB, growth ≤ {GROWTH_MB} MB "
             f"(measured {growth:.0f} MB) |",
             f"| responses ({st}); {m['mb_served']:.0f} MB served in {m['elapsed']:.0f} s | p50 {m['p50']:.0f} ms, "
             f"p95 {m['p95']:.0f} ms | unknown parameters → 400 |",
             *[f"| {k} | {v} | file after the first request |" for k, v in dl]]
    print("\n".join(table), flush=True)
    if not a.no_write:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        block = [f"\n### {stamp} — `python -m bench.bench_api_memory --n {a.n} --threads {a.threads}` — {machine()}\n",
                 f"gunicorn -w 1 (app:server), {a.threads} client threads on loopback; the biggest indicator "
                 f"`{m['big'][0]}` ({m['big'][1]} values). Caches per worker: responses ≤ 64 MiB (entries ≤ 4 MiB), "
                 "query results ≤ 128 MiB (entries ≤ 16 MiB), serving/memcache.py.\n", *table]
        append_results("API", "\n".join(block) + "\n")
        print(f"appended to {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    import sys
    raise SystemExit(main(sys.argv[1:]))
