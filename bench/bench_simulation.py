"""Benchmark: the transfer simulation (issue 12).

    .venv/bin/python -m bench.bench_simulation [--db-dir DIR] [--n 200] [--slides 20] [--write]

1. Server time of recomputing a scenario for the 308 municipalities (target p95 ≤ 50 ms):
   a. the engine and summary alone (serving.simulation.run.simulate), warm inputs;
   b. POST /api/v1/simulate through the Flask test client (validation, run, JSON of 308 rows);
   c. the page's callback (pages.simulacao.update: scenario, run, map Patch, tables, texts).
   Scenarios cycle through random weights of the FGM preset, with and without art. 35.º limits.
2. End to end in headless Chromium against gunicorn -w 2 (target p95 ≤ 300 ms): a weight slider's value
   is changed (input + change events, as a drag release) and the clock stops when the summary and the
   changes table have both been replaced and no callback is pending. The slider has no debounce.

Loopback only; every loop is bounded by a count and a time. With --db-dir the database there is used;
otherwise the app's configured one (OBS_DB / OBS_DATA_DIR). Nothing is written to bench/RESULTS.md
unless --write.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Gunicorn, append_results, machine, pct

TARGETS = {"server_p95_ms": 50.0, "e2e_p95_ms": 300.0}


def scenarios(n: int, seed: int = 12):
    from serving.simulation import presets
    rnd = random.Random(seed)
    base = presets.presets()["fgm_art32"]["scenario"]
    for i in range(n):
        w = [rnd.randint(1, 100) for _ in base["components"]]
        d = {**base, "components": [{**c, "share": x / sum(w) * 100} for c, x in zip(base["components"], w)]}
        d["components"][-1]["share"] = 100 - sum(c["share"] for c in d["components"][:-1])
        if i % 2:
            d["limits"] = {"floor_pct": -2.5, "cap_pct": 5}
        yield d, w


def bench_server(n: int) -> dict:
    import app as app_module
    from pages import simulacao as P
    from serving.simulation import presets, run
    from serving.simulation.scenario import Scenario
    client = app_module.server.test_client()
    client.get("/")
    out = {}
    with app_module.server.test_request_context("/simulacao"):
        run.simulate(presets.scenario("fgm_art32"))             # warm the inputs (first pass: queries)
        ts = []
        for d, _ in scenarios(n):
            sc = Scenario.model_validate(d)
            t0 = time.perf_counter()
            run.simulate(sc)
            ts.append((time.perf_counter() - t0) * 1000)
        out["engine"] = ts
        ts = []
        page = {"lang": "pt", "base": presets.presets()["fgm_art32"]["scenario"], "preset": "fgm_art32"}
        for i, (d, w) in enumerate(scenarios(n, seed=13)):
            lim = (-2.5, 5) if i % 2 else (None, None)
            t0 = time.perf_counter()
            r = P.update(d["budget"], w, None, lim[0], lim[1], "fef:2014", page)
            ts.append((time.perf_counter() - t0) * 1000)
            assert r[10] == "", r[10]
        out["callback"] = ts
    ts, sizes = [], []
    for d, _ in scenarios(n, seed=14):
        t0 = time.perf_counter()
        resp = client.post("/api/v1/simulate", json={"scenario": d})
        ts.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        sizes.append(len(resp.data))
    out["api"] = ts
    out["api_bytes"] = sizes
    return out


_SLIDE = """
var done = arguments[arguments.length - 1];
var el = document.querySelectorAll('input[type=range].form-range')[1];
var sum = document.getElementById('sim-summary'), tab = document.getElementById('sim-changes');
var s0 = sum.textContent, t0txt = tab.textContent, seen = {s: false, t: false};
var setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
var v = String(arguments[0]);
var start = performance.now();
function check() {
  if (sum.textContent !== s0) seen.s = true;
  if (tab.textContent !== t0txt) seen.t = true;
  if (seen.s && seen.t && !document.querySelector('[data-dash-is-loading="true"]')) {
    var rs = performance.getEntriesByType('resource').filter(function (e) {
      return e.name.indexOf('_dash-update-component') >= 0 && e.startTime >= start; });
    var net = rs.length ? rs[rs.length - 1] : null;
    done([performance.now() - start, net ? net.responseEnd - net.startTime : -1,
          net ? net.startTime - start : -1, net ? net.transferSize : -1]); return true;
  }
  return false;
}
var obs = new MutationObserver(function () { if (check()) obs.disconnect(); });
obs.observe(document.querySelector('main'), {subtree: true, childList: true, characterData: true, attributes: true});
setTimeout(function () { obs.disconnect(); done([-1, -1, -1, -1]); }, 8000);
setter.call(el, v);
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
"""


def bench_e2e(slides: int) -> list[float]:
    from tests.axe import chrome, wait_rendered
    g = Gunicorn(workers=2)
    d = None
    try:
        d = chrome(1280, 900)
        d.set_script_timeout(15)
        d.get(g.url + "/simulacao")
        wait_rendered(d, timeout=60, selector="#sim-summary")
        time.sleep(2)
        out = []
        for i in range(slides):
            v = 40 + (i * 7) % 55
            ms = d.execute_async_script(_SLIDE, v)
            out.append(ms)
            time.sleep(0.3)
        return out
    finally:
        if d is not None:
            d.quit()
        g.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db-dir")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--slides", type=int, default=20)
    ap.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    a = ap.parse_args(argv)
    if a.db_dir:
        os.environ["OBS_DATA_DIR"] = str(Path(a.db_dir).resolve())
        os.environ["OBS_DB"] = str(Path(a.db_dir).resolve() / "observatorio.duckdb")
    mach = machine()
    s = bench_server(a.n)
    raw = [x for x in bench_e2e(a.slides) if x[0] >= 0]
    e = [x[0] for x in raw]
    req = [x[1] for x in raw if x[1] >= 0]
    wait = [x[2] for x in raw if x[2] >= 0]
    lines = [f"- {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {mach}"]
    for k, label in (("engine", "engine + summary (run.simulate)"), ("api", "POST /api/v1/simulate"),
                     ("callback", "page callback (scenario, run, map Patch, tables)")):
        xs = s[k]
        lines.append(f"  - {label}: p50 {pct(xs, 50):.1f} ms, p95 {pct(xs, 95):.1f} ms, max {max(xs):.1f} ms "
                     f"(n={len(xs)}; target p95 ≤ {TARGETS['server_p95_ms']:.0f} ms)")
    lines.append(f"  - API response {pct(s['api_bytes'], 50) / 1024:.0f} KB (JSON, 308 rows)")
    if e:
        lines.append(f"  - slider → map + table, end to end (Chromium, gunicorn -w 2, no debounce): "
                     f"p50 {pct(e, 50):.0f} ms, p95 {pct(e, 95):.0f} ms (n={len(e)}; target p95 ≤ "
                     f"{TARGETS['e2e_p95_ms']:.0f} ms)")
        if req:
            lines.append(f"    - of which the callback request (browser's resource timing): p50 {pct(req, 50):.0f} ms, "
                         f"p95 {pct(req, 95):.0f} ms, sent {pct(wait, 50):.0f} ms after the change; "
                         f"the rest is the browser applying the Patch and the tables")
    else:
        lines.append("  - slider → map + table: no measurement (timed out)")
    block = "\n".join(lines)
    print(block)
    if a.write:
        append_results("Simulation", block)


if __name__ == "__main__":
    main()
