"""Benchmark: page loads on a phone-like network (issue 9, item 13), beside a tutorial-style Dash app.

    .venv/bin/python -m bench network            # or: python -m bench.bench_network [--loads 5] [--no-write]

Headless Chromium (selenium) with network emulation — 10 Mbit/s down and up, 40 ms added latency —
against gunicorn -w 2 (--no-control-socket) serving the app (after `python app.py precompress`, as
`make serve` does) and, in the same run, bench/tutorial_app.py (a px.choropleth_map on the same data
with default Dash settings). Each load is a fresh browser (cold HTTP cache); the repeat visit is the
same page opened again in that browser. Median of --loads (default 5), loads interleaved between the
two apps so both see the same machine load.

Measured from navigation start (performance.now()) until:
* map painted: the MapLibre map of the page's graph loaded, its style in, tiles done, not moving;
* usable (/municipio/<dico>): heading shown, no Dash callback pending, every chart drawn, and still so
  300 ms later (the time reported is the first moment, not +300 ms);
and bytes transferred until then: the navigation's and every resource's transferSize (headers and
compressed bodies, as they came over the wire; 0 for a resource taken from the cache).

Figures are appended under "## Network" in bench/RESULTS.md with the date and the machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from bench.common import Gunicorn, append_results, machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IND = "indice_envelhecimento"
DICO = "1106"  # Lisboa
NETWORK = {"offline": False, "latency": 40, "download_throughput": 10e6 / 8, "upload_throughput": 10e6 / 8}
TARGETS = {"indicador": 2.5, "indicador_mb": 2.0, "municipio": 2.5, "embed": 2.0, "repeat": 1.0}

#: The map of `arguments[0]` (a dcc.Graph id) drawn; resolves to [ms since navigation start, bytes].
PAINTED_JS = """
var sel = arguments[0], done = arguments[arguments.length - 1], t0 = Date.now();
function bytes() {
  var n = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
  return n.reduce(function (s, e) { return s + (e.transferSize || 0); }, 0);
}
function check() {
  var gd = document.querySelector(sel + ' .js-plotly-plot');
  var fl = gd && gd._fullLayout;
  var sub = fl && fl.map && fl.map._subplot;
  var m = sub && sub.map;
  var canvas = document.querySelector(sel + ' .maplibregl-canvas');
  if (m && canvas && m.loaded() && m.areTilesLoaded() && !m.isMoving() && m.getStyle().layers.length > 0) {
    done([performance.now(), bytes()]); return;
  }
  if (Date.now() - t0 > 60000) { done([-1, bytes()]); return; }
  requestAnimationFrame(check);
}
check();
"""

#: The page usable: heading, no pending callback, every chart drawn, for 300 ms.
USABLE_JS = """
var done = arguments[arguments.length - 1], t0 = Date.now(), since = null, at = null, b = 0;
function bytes() {
  var n = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
  return n.reduce(function (s, e) { return s + (e.transferSize || 0); }, 0);
}
function ready() {
  var h = document.querySelector('main h1');
  if (!h || !h.innerText.trim() || document.readyState !== 'complete') return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  var graphs = document.querySelectorAll('main .dash-graph');
  for (var i = 0; i < graphs.length; i++) {
    if (!graphs[i].querySelector('.main-svg')) return false;
  }
  return true;
}
function check() {
  if (ready()) {
    if (since === null) { since = Date.now(); at = performance.now(); b = bytes(); }
    if (Date.now() - since >= 300) { done([at, b]); return; }
  } else { since = null; }
  if (Date.now() - t0 > 60000) { done([-1, bytes()]); return; }
  requestAnimationFrame(check);
}
check();
"""


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        opts.add_argument(a)
    d = webdriver.Chrome(options=opts)  # a new profile: cold HTTP cache
    d.set_network_conditions(**NETWORK)
    d.set_script_timeout(70)
    return d


def load(d, url: str, probe: str, arg: str | None = None) -> tuple[float, int]:
    d.get(url)
    ms, nbytes = d.execute_async_script(probe, arg) if arg else d.execute_async_script(probe)
    if ms < 0:
        raise RuntimeError(f"{url}: not painted/usable within 60 s")
    return ms / 1000, int(nbytes)


def visit(url: str, probe: str, arg: str | None = None, repeat: bool = False) -> dict:
    d = browser()
    try:
        s, b = load(d, url, probe, arg)
        out = {"s": s, "bytes": b}
        if repeat:
            d.get("about:blank")
            out["repeat_s"], out["repeat_bytes"] = load(d, url, probe, arg)
        return out
    finally:
        d.quit()


def run(loads: int) -> dict:
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "app.py", "precompress"], cwd=ROOT, check=True)
    app = Gunicorn(target="app:server")
    tut = Gunicorn(target="bench.tutorial_app:server")
    cases = {
        "indicador": (app, f"/indicador/{IND}", PAINTED_JS, "#ind-map", True),
        "municipio": (app, f"/municipio/{DICO}", USABLE_JS, None, True),
        "embed": (app, f"/embed/indicador/{IND}?view=map", PAINTED_JS, "#embed-map", True),
        "tutorial": (tut, "/", PAINTED_JS, "#map", True),
        "tutorial_usable": (tut, "/", USABLE_JS.replace("main h1", "h1").replace("main .dash-graph", ".dash-graph"),
                            None, False),
    }
    res: dict[str, list[dict]] = {k: [] for k in cases}
    try:
        for i in range(loads):
            for name, (srv, path, probe, arg, rep) in cases.items():
                r = visit(srv.url + path, probe, arg, rep)
                res[name].append(r)
                print(f"  {i + 1}/{loads} {name}: {r}", flush=True)
    finally:
        app.stop()
        tut.stop()
    return res


def med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def runs(rows: list[dict], key: str) -> str:
    return ", ".join(f"{r[key]:.2f}" for r in rows)


def write_results(res: dict, load_before: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ok = lambda c: "✅" if c else "❌"  # noqa: E731
    mb = lambda b: b / 1e6  # noqa: E731
    i, m, e, t = res["indicador"], res["municipio"], res["embed"], res["tutorial"]
    n = len(i)
    rows = [
        f"| /indicador/{IND}: map painted, cold | **{med(i, 's'):.2f} s** ({runs(i, 's')}) | "
        f"{med(t, 's'):.2f} s ({runs(t, 's')}) | {ok(med(i, 's') <= TARGETS['indicador'])} ≤ 2.5 s |",
        f"| /indicador/{IND}: transferred until painted, cold | **{mb(med(i, 'bytes')):.2f} MB** | "
        f"{mb(med(t, 'bytes')):.2f} MB | {ok(mb(med(i, 'bytes')) <= TARGETS['indicador_mb'])} ≤ 2.0 MB |",
        f"| /indicador/{IND}: repeat visit, map painted | **{med(i, 'repeat_s'):.2f} s** ({runs(i, 'repeat_s')}); "
        f"{med(i, 'repeat_bytes') / 1e3:.0f} KB | {med(t, 'repeat_s'):.2f} s ({runs(t, 'repeat_s')}); "
        f"{med(t, 'repeat_bytes') / 1e3:.0f} KB | {ok(med(i, 'repeat_s') <= TARGETS['repeat'])} ≤ 1.0 s |",
        f"| /municipio/{DICO}: usable, cold | **{med(m, 's'):.2f} s** ({runs(m, 's')}); "
        f"{mb(med(m, 'bytes')):.2f} MB | (tutorial page usable: {med(res['tutorial_usable'], 's'):.2f} s) | "
        f"{ok(med(m, 's') <= TARGETS['municipio'])} ≤ 2.5 s |",
        f"| /municipio/{DICO}: repeat visit, usable | {med(m, 'repeat_s'):.2f} s ({runs(m, 'repeat_s')}); "
        f"{med(m, 'repeat_bytes') / 1e3:.0f} KB | | {ok(med(m, 'repeat_s') <= TARGETS['repeat'])} ≤ 1.0 s |",
        f"| /embed/indicador/{IND}?view=map: map painted, cold | **{med(e, 's'):.2f} s** ({runs(e, 's')}); "
        f"{mb(med(e, 'bytes')):.2f} MB | | {ok(med(e, 's') <= TARGETS['embed'])} ≤ 2.0 s |",
        f"| /embed/indicador/{IND}?view=map: repeat visit | {med(e, 'repeat_s'):.2f} s ({runs(e, 'repeat_s')}); "
        f"{med(e, 'repeat_bytes') / 1e3:.0f} KB | | {ok(med(e, 'repeat_s') <= TARGETS['repeat'])} ≤ 1.0 s |",
    ]
    load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    block = "\n".join([
        f"\n### {stamp} — `python -m bench network` — {machine()}; load average before {load_before}, after "
        f"{load_after} (a shared machine: other jobs were running)\n",
        f"Headless Chromium, network emulation 10 Mbit/s down and up, +40 ms latency; fresh browser per load "
        f"(cold cache), repeat visit = the same page again in that browser; median of {n}, runs in brackets. "
        "Both apps on gunicorn -w 2 --no-control-socket, loopback, measured in the same run (interleaved).\n",
        "| measure | Observatório | tutorial-style Dash choropleth | target |", "|---|---|---|---|", *rows, ""])
    append_results("Network", block, "Page loads as a phone on a real network gets them (issue 9, items 12–13): "
                   "bench/bench_network.py, beside bench/tutorial_app.py.")
    return block


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--db-dir", help="a data dir with observatorio.duckdb and geo/ (default: $OBS_DATA_DIR or data/)")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv if argv is not None else [])
    data_dir = Path(a.db_dir or os.environ.get("OBS_DATA_DIR") or ROOT / "data").resolve()
    if not (data_dir / "observatorio.duckdb").exists():
        sys.exit(f"no database in {data_dir}: run `make build` (or pass --db-dir)")
    os.environ["OBS_DATA_DIR"] = str(data_dir)
    os.environ["OBS_DB"] = str(data_dir / "observatorio.duckdb")
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    res = run(a.loads)
    if not a.no_write:
        print(write_results(res, load_before))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
