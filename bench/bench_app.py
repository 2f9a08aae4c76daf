"""Benchmark: the app's map updates, first paint of /indicador/<id>, and gunicorn throughput.

    .venv/bin/python -m bench.bench_app [--db-dir DIR] [--n 240] [--loads 5] [--seconds 10] [--no-write]

1. Map update (in-process, Flask test client -> /_dash-update-component, the Indicador map
   callback): server time p50/p95 and response bytes, cycling through every period of every
   indicator (first pass = cache misses, then warm) and a few indicator switches.
2. First load of /indicador/<id> in headless Chromium (a fresh browser each time: cold cache) until
   the map is painted (MapLibre map loaded, geometry source in, not moving); median of --loads.
3. gunicorn -w 2 --no-control-socket on 127.0.0.1 and a bounded burst of concurrent POSTs of the
   map-update payload (8 client threads, --seconds at most): requests/s and errors.

Loopback only; every loop is bounded by a count and a time. Without --db-dir the database is built from
$OBS_DATA_SYSTEM (default ../shared/data) into a temporary directory. Figures are appended under
"## App" in bench/RESULTS.md with the date and the machine.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Gunicorn, append_results, machine, pct

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IND = "indice_envelhecimento"
TARGETS = {"p95_ms": 30.0, "bytes": 30 * 1024, "paint_s": 2.5, "rps": 300.0}






def ensure_db(db_dir: str | None) -> Path:
    if db_dir:
        out = Path(db_dir).resolve()
    else:
        ds = os.environ.get("OBS_DATA_SYSTEM") or str(ROOT.parent / "shared" / "data")
        out = Path(tempfile.mkdtemp(prefix="obs-bench-app-"))
        os.environ["OBS_DATA_SYSTEM"] = ds
        os.environ["OBS_DATA_DIR"] = str(out)
        os.environ["OBS_DB"] = str(out / "observatorio.duckdb")
        from etl.build import build
        build(Path(ds), progress=lambda m: None)
    os.environ["OBS_DATA_DIR"] = str(out)
    os.environ["OBS_DB"] = str(out / "observatorio.duckdb")
    return out


# -- the map-update request ---------------------------------------------------------------------

def map_update_payload(app_module, indicator_id: str, period: str, drawn_key: str, trigger: str = "ind-period") -> dict:
    dash_app = app_module.app
    key = next(k for k in dash_app.callback_map if "ind-map.figure" in k)
    outputs = [dict(zip(("id", "property"), o.split(".", 1))) for o in key.strip(".").split("...")]
    vals = {"ind-indicator": indicator_id, "ind-period": period, "ind-level": "municipio",
            "ind-classification": "quantis", "ind-view": "mapa"}
    return {"output": key, "outputs": outputs,
            "inputs": [{"id": i, "property": "value", "value": v} for i, v in vals.items()],
            "changedPropIds": [f"{trigger}.value"],
            "state": [{"id": "ind-page", "property": "data", "value": {"lang": "pt"}},
                      {"id": "ind-map-key", "property": "data", "value": drawn_key}]}


def bench_update(n: int) -> dict:
    import app as app_module
    from serving import data
    from web import indicator_view as IV
    client = app_module.server.test_client()
    client.get("/")  # registers the pages' callbacks
    with app_module.server.app_context():
        inds = data.indicators()["indicator_id"].tolist()
        key = IV.map_bundle(IV.resolve(IND))["key"]
        jobs = [(i, p) for i in inds for p in data.periods(i)["period_id"].tolist()]
    times, sizes, first = [], [], []
    seen = set()
    k = 0
    while len(times) < n and k < 20 * n:
        ind, per = jobs[k % len(jobs)]
        trig = "ind-indicator" if k % 10 == 0 else "ind-period"
        body = map_update_payload(app_module, ind, per, key, trig)
        t0 = time.perf_counter()
        r = client.post("/_dash-update-component", json=body)
        dt = (time.perf_counter() - t0) * 1000
        if r.status_code not in (200, 204):
            raise RuntimeError(f"map update failed: {r.status_code} {r.data[:300]!r}")
        (first if (ind, per) not in seen else times).append(dt)
        seen.add((ind, per))
        sizes.append(len(r.data))
        k += 1
    return {"n": len(times), "p50": pct(times, 50), "p95": pct(times, 95), "first_p95": pct(first, 95) if first else 0,
            "first_n": len(first), "max_bytes": max(sizes), "median_bytes": statistics.median(sizes),
            "indicators": len(inds)}


# -- a real server --------------------------------------------------------------------------------

def post(port: int, body: bytes) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("POST", "/_dash-update-component", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def bench_throughput(port: int, payloads: list[bytes], seconds: float, threads: int = 8,
                     max_requests: int = 20000) -> dict:
    for b in payloads * 4:  # warm both workers' caches
        post(port, b)
    lock = threading.Lock()
    counts = {"ok": 0, "err": 0}
    stop_at = time.monotonic() + seconds

    def worker(i):
        k = i
        while time.monotonic() < stop_at:
            with lock:
                if counts["ok"] + counts["err"] >= max_requests:
                    return
            try:
                status = post(port, payloads[k % len(payloads)])
                ok = status == 200
            except OSError:
                ok = False
            with lock:
                counts["ok" if ok else "err"] += 1
            k += 1
    t0 = time.monotonic()
    ths = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    dt = time.monotonic() - t0
    return {"rps": counts["ok"] / dt, "ok": counts["ok"], "errors": counts["err"], "seconds": dt, "threads": threads}


PAINTED_JS = """
var done = arguments[arguments.length - 1];
var t0 = Date.now();
function check() {
  var gd = document.querySelector('#ind-map .js-plotly-plot');
  var fl = gd && gd._fullLayout;
  var sub = fl && fl.map && fl.map._subplot;
  var m = sub && sub.map;
  var canvas = document.querySelector('#ind-map .maplibregl-canvas');
  if (m && canvas && m.loaded() && m.areTilesLoaded() && !m.isMoving() && m.getStyle().layers.length > 0) {
    done(performance.now()); return;
  }
  if (Date.now() - t0 > 30000) { done(-1); return; }
  requestAnimationFrame(check);
}
check();
"""


def bench_first_paint(port: int, loads: int) -> dict:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    times = []
    for _ in range(loads):
        opts = Options()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
            opts.add_argument(a)
        d = webdriver.Chrome(options=opts)  # fresh profile: cold HTTP cache
        try:
            d.set_script_timeout(40)
            d.get(f"http://127.0.0.1:{port}/indicador/{IND}")
            ms = d.execute_async_script(PAINTED_JS)
            if ms < 0:
                raise RuntimeError("map not painted within 30 s")
            times.append(ms / 1000)
        finally:
            d.quit()
    return {"median_s": statistics.median(times), "runs": times}


def write_results(u: dict, p: dict | None, t: dict | None, args) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ok = lambda c: "✅" if c else "❌"  # noqa: E731
    rows = [
        f"| map update, server time (warm, n={u['n']}) | p50 {u['p50']:.1f} ms, p95 {u['p95']:.1f} ms | "
        f"{ok(u['p95'] <= TARGETS['p95_ms'])} p95 ≤ 30 ms |",
        f"| map update, first request per indicator/period (n={u['first_n']}; the first of each indicator is a "
        f"database query) | p95 {u['first_p95']:.1f} ms | {ok(u['first_p95'] <= TARGETS['p95_ms'])} p95 ≤ 30 ms |",
        f"| map update, response size | median {u['median_bytes'] / 1024:.1f} KB, max {u['max_bytes'] / 1024:.1f} KB | "
        f"{ok(u['max_bytes'] <= TARGETS['bytes'])} ≤ 30 KB |",
    ]
    if p:
        rows.append(f"| first load of /indicador/{IND} until the map is painted (cold browser, n={len(p['runs'])}) | "
                    f"median {p['median_s']:.2f} s (runs: {', '.join(f'{x:.2f}' for x in p['runs'])}) | "
                    f"{ok(p['median_s'] <= TARGETS['paint_s'])} ≤ 2.5 s |")
    if t:
        rows.append(f"| gunicorn -w 2, map-update POSTs ({t['threads']} client threads, {t['seconds']:.0f} s) | "
                    f"{t['rps']:.0f} req/s, {t['ok']} ok, {t['errors']} errors | "
                    f"{ok(t['rps'] >= TARGETS['rps'] and t['errors'] == 0)} ≥ 300 req/s, no errors |")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    block = "\n".join([f"\n### {stamp} — `python -m bench.bench_app` — {machine()}; load average at the end {load} "
                       f"(a shared machine: other jobs were running)\n",
                       "| measure | result | target |", "|---|---|---|", *rows, ""])
    append_results("App", block, "Server time of the Indicador map update (in-process), first paint in "
                   "headless Chromium, and gunicorn throughput on loopback.")
    return block


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db-dir", help="a data dir with observatorio.duckdb and geo/ (default: build one)")
    ap.add_argument("--n", type=int, default=240)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--skip-browser", action="store_true")
    a = ap.parse_args(argv if argv is not None else [])
    ensure_db(a.db_dir)
    sys.path.insert(0, str(ROOT))
    u = bench_update(a.n)
    print(f"map update: warm p50 {u['p50']:.1f} ms p95 {u['p95']:.1f} ms; cache-miss p95 {u['first_p95']:.1f} ms; "
          f"max {u['max_bytes']} bytes", flush=True)
    g = Gunicorn(2)
    try:
        import app as app_module
        from serving import data
        from web import indicator_view as IV
        with app_module.server.app_context():
            key = IV.map_bundle(IV.resolve(IND))["key"]
            pers = data.periods(IND)["period_id"].tolist()
        payloads = [json.dumps(map_update_payload(app_module, IND, p, key)).encode() for p in pers]
        p = None if a.skip_browser else bench_first_paint(g.port, a.loads)
        if p:
            print(f"first paint: median {p['median_s']:.2f} s {p['runs']}", flush=True)
        t = bench_throughput(g.port, payloads, a.seconds)
        print(f"throughput: {t['rps']:.0f} req/s, {t['ok']} ok, {t['errors']} errors", flush=True)
    finally:
        g.stop()
    if not a.no_write:
        print(write_results(u, p, t, a))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
