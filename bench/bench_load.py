"""Benchmark: load on a realistic mix (issue 9, item 14).

    .venv/bin/python -m bench load              # or: python -m bench.bench_load [--seconds 60] [--clients 50]

gunicorn -w 2 --no-control-socket (as `make serve`) on loopback; --clients (50) client threads, each
with its own connection, send requests back to back for --seconds (60): a mix of
* page HTML (30 %): /indicador/<id>, /municipio/<dico>, /, /sobre, /alarmes, /comparar;
* API values (30 %): /api/v1/values for a random indicator, level and sometimes period, JSON or CSV;
* map updates (40 %): the Indicador map callback (POST /_dash-update-component) for a random
  indicator and period.
Every request says `Accept-Encoding: gzip, deflate, br` as browsers do. An error is a status other
than 200/204/304 or a failed connection. Latency percentiles over all requests; worker RSS (the
gunicorn master's children) before and after. Appended under "## Load" in bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Gunicorn, append_results, machine, pct

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = {"p99_ms": 500.0, "errors": 0}
HEADERS = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "obs-bench-load"}


def plan(seed: int = 9) -> dict:
    """The URLs and callback bodies the clients draw from."""
    sys.path.insert(0, str(ROOT))
    import app as app_module
    from bench.bench_app import map_update_payload
    from serving import data
    from web import indicator_view as IV
    app_module.server.test_client().get("/")  # registers the pages' callbacks
    rnd = random.Random(seed)
    with app_module.server.app_context():
        inds = data.indicators()["indicator_id"].tolist()
        dicos = data.territories(["municipio"])["territory_id"].tolist()
        updates = []
        for ind in inds:
            try:
                key = IV.map_bundle(IV.resolve(ind))["key"]
                pers = data.periods(ind)["period_id"].tolist()
            except Exception:  # noqa: BLE001 — an indicator without a map
                continue
            for p in pers[-6:]:
                updates.append(json.dumps(map_update_payload(app_module, ind, p, key)).encode())
    pages = [f"/indicador/{i}" for i in inds] + [f"/municipio/{d}" for d in rnd.sample(dicos, min(40, len(dicos)))]
    pages += ["/", "/sobre", "/alarmes", "/comparar"]
    api = []
    for ind in inds:
        api.append(f"/api/v1/values?indicator={ind}&level=municipio")
        api.append(f"/api/v1/values?indicator={ind}&level=nuts3")
        api.append(f"/api/v1/values?indicator={ind}&level=municipio&format=csv")
    return {"pages": pages, "api": api, "updates": updates}


def rss_mb(master_pid: int) -> list[float]:
    import psutil
    return [round(c.memory_info().rss / 2**20) for c in psutil.Process(master_pid).children()]


def one(port: int, kind: str, target, timeout: float = 30.0) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if kind == "update":
            c.request("POST", "/_dash-update-component", target, {**HEADERS, "Content-Type": "application/json"})
        else:
            c.request("GET", target, headers={**HEADERS, "Accept": "text/html" if kind == "page" else "*/*"})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def hammer(port: int, p: dict, clients: int, seconds: float, seed: int = 14) -> dict:
    lock = threading.Lock()
    lat: dict[str, list[float]] = {"page": [], "api": [], "update": []}
    errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def client(i: int):
        rnd = random.Random(seed * 1000 + i)
        while time.monotonic() < stop_at:
            x = rnd.random()
            kind = "page" if x < 0.3 else "api" if x < 0.6 else "update"
            target = rnd.choice(p["pages" if kind == "page" else "api" if kind == "api" else "updates"])
            t0 = time.perf_counter()
            try:
                status = one(port, kind, target)
                err = None if status in (200, 204, 304) else f"{status} {kind} {str(target)[:80]}"
            except OSError as e:
                err = f"{type(e).__name__} {kind} {str(target)[:80]}"
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                lat[kind].append(dt)
                if err:
                    errors.append(err)
    t0 = time.monotonic()
    ths = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for th in ths:
        th.start()
    for th in ths:
        th.join(seconds + 60)
    dt = time.monotonic() - t0
    every = [x for v in lat.values() for x in v]
    return {"n": len(every), "seconds": dt, "rps": len(every) / dt, "errors": errors,
            "p50": pct(every, 50), "p95": pct(every, 95), "p99": pct(every, 99), "max": max(every),
            "by_kind": {k: (len(v), pct(v, 50), pct(v, 99)) for k, v in lat.items() if v}}


def write_results(r: dict, rss_before: list, rss_after: list, a, load_before: str, cpu_note: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ok = lambda c: "✅" if c else "❌"  # noqa: E731
    kinds = "; ".join(f"{k} n={n}, p50 {p50:.0f} ms, p99 {p99:.0f} ms" for k, (n, p50, p99) in r["by_kind"].items())
    errs = len(r["errors"])
    sample = f" (first: {', '.join(sorted(set(r['errors']))[:3])})" if errs else ""
    rows = [
        f"| requests | {r['n']} in {r['seconds']:.0f} s = {r['rps']:.0f} req/s | |",
        f"| errors | {errs}{sample} | {ok(errs == 0)} 0 |",
        f"| latency, all | p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, **p99 {r['p99']:.0f} ms**, max {r['max']:.0f} ms "
        f"| {ok(r['p99'] <= TARGETS['p99_ms'])} p99 ≤ 500 ms |",
        f"| by kind | {kinds} | |",
        f"| worker RSS before → after | {' + '.join(map(str, rss_before))} MB → {' + '.join(map(str, rss_after))} MB | |",
    ]
    load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    block = "\n".join([
        f"\n### {stamp} — `python -m bench load --clients {a.clients} --seconds {a.seconds:.0f}` — {machine()}; "
        f"load average before {load_before}, after {load_after}; {cpu_note}\n",
        f"gunicorn -w 2 --no-control-socket on loopback; {a.clients} client threads (one connection each, "
        "back to back, no think time) in one Python process on the same 2 CPUs; mix 30 % page HTML, 30 % API "
        "values (JSON/CSV), 40 % map-update callbacks; `Accept-Encoding: gzip, deflate, br`.\n",
        "| measure | result | target |", "|---|---|---|", *rows, ""])
    append_results("Load", block, "A realistic mix at 50 concurrent connections (issue 9, item 14).")
    return block


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--db-dir", help="a data dir with observatorio.duckdb and geo/ (default: $OBS_DATA_DIR or data/)")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv if argv is not None else [])
    data_dir = Path(a.db_dir or os.environ.get("OBS_DATA_DIR") or ROOT / "data").resolve()
    if not (data_dir / "observatorio.duckdb").exists():
        sys.exit(f"no database in {data_dir}: run `make build` (or pass --db-dir)")
    os.environ["OBS_DATA_DIR"] = str(data_dir)
    os.environ["OBS_DB"] = str(data_dir / "observatorio.duckdb")
    p = plan()
    print(f"plan: {len(p['pages'])} pages, {len(p['api'])} API URLs, {len(p['updates'])} map updates", flush=True)
    import psutil
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    srv = Gunicorn()
    try:
        time.sleep(1)
        rss_before = rss_mb(srv.proc.pid)
        cpu0 = psutil.cpu_times()
        r = hammer(srv.port, p, a.clients, a.seconds)
        cpu1 = psutil.cpu_times()
        rss_after = rss_mb(srv.proc.pid)
    finally:
        srv.stop()
    busy = lambda c: c.user + c.system + c.nice + getattr(c, "irq", 0) + getattr(c, "softirq", 0)  # noqa: E731
    total = lambda c: busy(c) + c.idle + getattr(c, "iowait", 0)  # noqa: E731
    cpu_note = f"CPU busy during the run {100 * (busy(cpu1) - busy(cpu0)) / max(1e-9, total(cpu1) - total(cpu0)):.0f} %"
    print(f"{r['n']} requests, {r['rps']:.0f} req/s, {len(r['errors'])} errors, p50 {r['p50']:.0f} p99 {r['p99']:.0f} "
          f"max {r['max']:.0f} ms; {r['by_kind']}; RSS {rss_before} -> {rss_after} MB; {cpu_note}", flush=True)
    if not a.no_write:
        print(write_results(r, rss_before, rss_after, a, load_before, cpu_note))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
