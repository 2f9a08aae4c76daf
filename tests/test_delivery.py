"""What travels over the network (issue 9, item 12): compressed text, long-lived caching of
fingerprinted files, and only the scripts a page needs. Timings are in bench/bench_network.py."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

IND = "indice_envelhecimento"
SCRIPT_OR_CSS = re.compile(r'<(?:script|link)[^>]*(?:src|href)="(/[^"]+)"')


@pytest.fixture(scope="module")
def client(built):
    import app
    return app.server.test_client()


def body(resp) -> bytes:
    enc = resp.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[enc](resp.data)


def page(client, path: str, enc: str = "br") -> tuple:
    r = client.get(path, headers={"Accept": "text/html", "Accept-Encoding": enc})
    return r, body(r).decode()


@pytest.mark.parametrize("accept,expected", [
    ("br", "br"), ("gzip, deflate, br, zstd", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("", None),
    ("identity", None),
])
def test_pages_are_compressed_brotli_first_then_gzip(client, accept, expected):
    r = client.get(f"/indicador/{IND}", headers={"Accept": "text/html", "Accept-Encoding": accept})
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == expected
    assert "Accept-Encoding" in r.headers.get("Vary", "")
    html = body(r).decode()
    assert "<html" in html and 'id="react-entry-point"' in html
    if expected:
        assert len(r.data) < len(html.encode()) / 2


def test_page_html_is_revalidated_not_kept(client):
    r, _ = page(client, "/sobre")
    assert r.headers["Cache-Control"] == "no-cache"
    etag = r.headers["ETag"]
    again = client.get("/sobre", headers={"Accept": "text/html", "Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("enc", ["br", "gzip"])
def test_api_json_and_csv_and_callbacks_are_compressed(client, enc):
    for url in ("/api/v1/indicators", f"/api/v1/values?indicator={IND}&level=municipio",
                f"/api/v1/values?indicator={IND}&level=municipio&format=csv", "/_dash-layout",
                "/_dash-dependencies"):
        r = client.get(url, headers={"Accept-Encoding": enc})
        assert r.status_code == 200, url
        assert r.headers.get("Content-Encoding") == enc, url
        assert len(body(r)) > len(r.data), url


def test_every_script_and_stylesheet_is_fingerprinted_compressed_and_immutable(client):
    _, html = page(client, f"/indicador/{IND}")
    urls = SCRIPT_OR_CSS.findall(html)
    urls += re.findall(r"s\.src='(/[^']+)'", html)  # plotly.js, loaded by a script
    assert any("plotly" in u for u in urls) and len(urls) > 10
    for url in urls:
        if url.startswith("/geo/"):
            continue  # the map geometry: checked in test_app_shell
        chunk = re.search(r"/dcc/async-[a-z]+\.js$", url)  # preloaded on-demand chunk: no fingerprint
        for enc in ("br", "gzip"):
            r = client.get(url, headers={"Accept-Encoding": enc})
            assert r.status_code == 200, url
            assert r.headers["Cache-Control"] == ("public, max-age=3600" if chunk else
                                                  "public, max-age=31536000, immutable"), url
            if len(body(r)) > 1000:
                assert r.headers.get("Content-Encoding") == enc, url
            assert "Accept-Encoding" in r.headers.get("Vary", ""), url


def test_plotly_js_is_the_installed_version_compressed(client):
    """The plotly.js a page loads is the one the installed plotly (Python) is made for, and over the
    wire it is well under the 1.47 MB of the full bundle gzipped."""
    from plotly.offline import get_plotlyjs_version
    _, html = page(client, f"/indicador/{IND}")
    url = re.search(r"s\.src='(/[^']+)'", html).group(1)
    sizes = {}
    for enc in ("br", "gzip", "identity"):
        r = client.get(url, headers={"Accept-Encoding": enc})
        assert r.status_code == 200
        assert r.headers.get("Content-Encoding") == (None if enc == "identity" else enc)
        js = body(r)
        assert js.startswith(b"/**") and f"plotly.js v{get_plotlyjs_version()}".encode() in js[:200]
        sizes[enc] = len(r.data)
    assert sizes["br"] < 0.9e6 and sizes["gzip"] < 1.05e6, sizes  # fast levels here; `make serve` does better
    assert client.get(url.replace(url.split("/")[-2], "0" * 12)).status_code == 404


def test_the_partial_plotly_bundle_has_every_trace_type_the_app_draws():
    """web/vendor/plotly-partial.min.js only knows some trace types: a new one in a figure (Python) or
    in a script (assets/, e.g. the export's vector map) must be added to plotlyjs/src/index.js (and
    `make plotlyjs`), or its chart would stay empty."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    from web import delivery
    root = Path(__file__).resolve().parent.parent
    traces = {c.lower() for c in dir(go) if isinstance(getattr(go, c), type) and issubclass(getattr(go, c), BaseTraceType)}
    used = set()
    for f in [*root.glob("web/*.py"), *root.glob("pages/*.py")]:
        src = f.read_text(encoding="utf-8")
        used |= {m.lower() for m in re.findall(r"\bgo\.([A-Z][a-z]+)\(", src)} & traces
        assert not re.search(r"\bpx\.[a-z_]+\(", src), f"{f}: plotly express picks trace types"
    for f in root.glob("assets/*.js"):
        used |= set(re.findall(r"""['"]([a-z0-9]+)['"]""", f.read_text(encoding="utf-8"))) & traces
    assert {"choroplethmap", "bar"} <= used
    assert used <= delivery.PARTIAL_TRACES, used - delivery.PARTIAL_TRACES
    entry = (root / "plotlyjs" / "src" / "index.js").read_text(encoding="utf-8")
    assert all(f"lib/{t}'" in entry for t in delivery.PARTIAL_TRACES - {"scatter"})


def test_unfingerprinted_static_files_are_revalidated(client):
    """dcc's on-demand chunks (no fingerprint in Dash's URL) are kept an hour; our own assets asked
    for without ?m= are revalidated every time; both carry an ETag."""
    for url, cc in (("/_dash-component-suites/dash/dcc/async-graph.js", "public, max-age=3600"),
                    ("/assets/share.js", "no-cache")):
        r = client.get(url, headers={"Accept-Encoding": "br"})
        assert r.status_code == 200 and r.headers["Cache-Control"] == cc and r.headers.get("ETag"), url
        assert r.headers["Content-Encoding"] == "br"


def test_unknown_static_files_are_not_compressed_into_errors(client):
    r = client.get("/assets/nothing-here.js", headers={"Accept-Encoding": "br"})
    assert r.status_code == 404


def test_pages_without_a_table_do_not_load_dash_table_nor_plotly(client):
    for path in ("/sobre", "/", f"/indicador/{IND}", "/municipio/0101"):
        _, html = page(client, path)
        scripts = SCRIPT_OR_CSS.findall(html)
        assert not [s for s in scripts if "dash_table" in s], path
        assert not [s for s in scripts if "plotly" in s], path  # plotly.js comes from the loader, on demand
    _, sobre = page(client, "/sobre")
    assert "load();})();" not in sobre  # /sobre has no chart: plotly.js is not started
    _, ind = page(client, f"/indicador/{IND}")
    assert "load();})();" in ind  # the indicator page opens with a map: plotly.js starts at once


@pytest.mark.browser
def test_browser_loads_plotly_only_where_a_chart_is_shown(live_url):
    """What the browser fetched, from its resource timing: /sobre neither plotly.js nor dash_table;
    the indicator page plotly.js (the partial bundle), and draws the map with it."""
    from tests import see
    d = see.desktop()
    try:
        see.open(d, live_url + "/sobre")
        see.settle(d)
        got = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert not [u for u in got if "plotly" in u or "dash_table" in u], got
        assert d.execute_script("return !(window.Plotly && window.Plotly.newPlot)")
        see.open(d, f"{live_url}/indicador/{IND}")
        see.painted(d, "#ind-map")
        got = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert [u for u in got if "plotly" in u and u.endswith("plotly.min.js")], got
        assert not [u for u in got if "dash_table" in u], got
    finally:
        d.quit()


def test_a_file_sent_as_a_file_is_not_recompressed_per_request():
    """A download served with send_file (produced once, with ETag/Range) goes out as it is, while a
    body built in memory is compressed (a small app with the same delivery)."""
    import io

    import flask
    from dash import Dash, html

    from web import delivery
    small = Dash(__name__)
    small.layout = html.Div("x")
    small.server.add_url_rule("/file.csv", "file", lambda: flask.send_file(io.BytesIO(b"a,b\n" * 5000), mimetype="text/csv"))
    small.server.add_url_rule("/built.csv", "built", lambda: flask.Response(b"a,b\n" * 5000, mimetype="text/csv"))
    delivery.install(small)
    c = small.server.test_client()
    r = c.get("/file.csv", headers={"Accept-Encoding": "br"})
    assert r.status_code == 200 and "Content-Encoding" not in r.headers and r.data == b"a,b\n" * 5000
    r = c.get("/built.csv", headers={"Accept-Encoding": "br"})
    assert r.headers["Content-Encoding"] == "br" and body(r) == b"a,b\n" * 5000
