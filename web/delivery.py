"""How bytes reach a phone: compression, HTTP caching and which scripts a page loads (issue 9, item 12).

    from web import delivery
    delivery.install(app)          # app: the Dash app; once, after the server's other after_request hooks

What it does, without a reverse proxy (`make run` is still the one command):

* **Dynamic text responses** (pages, `_dash-layout`, callbacks, API JSON/CSV, streamed downloads) are
  compressed per request by Flask-Compress: brotli where the client accepts it, else gzip, at a fast
  level (they are small, or cached upstream).
* **Static files** (Dash's component suites; plotly.js; `/assets/`; Swagger UI) are
  never compressed per request: each file is compressed once — brotli at quality 11 and gzip -9 by
  `python app.py precompress` (run by `make serve`), or at a fast level on its first request — and kept
  in `$OBS_DATA_DIR/compressed/` (shared by the workers; the best levels only) and in memory (bounded
  in bytes).
* **Cache-Control**: every fingerprinted asset (Dash's `.v3_4_0m…` component-suite URLs, `/assets/…?m=`,
  plotly.js) is `public, max-age=31536000, immutable`; static files without a fingerprint (dcc's
  async chunks) an hour; pages, `_dash-layout` and `_dash-dependencies` are `no-cache` with an ETag
  (a repeat visit revalidates them with a 304).
* **Scripts a page loads**: `dash_table`'s bundle is not put on any page (no page uses a DataTable);
  plotly.js is fetched only when a chart is drawn, from a fingerprinted (immutable) URL — see
  `plotly_loader()`, which web.ui puts in each page's head — and it is a partial bundle with only the
  trace types the app draws (`PARTIAL`, built from plotlyjs/ by `make plotlyjs`).

Content-Security-Policy and the other security headers are set elsewhere (not here).
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import os
import re
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import brotli
import flask
from dash.fingerprint import build_fingerprint, check_fingerprint
from flask_compress import Compress

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # may be stored, but asked again (ETag -> 304) each time it is used
#: Static files whose URL has no fingerprint (dcc's on-demand chunks such as async-graph.js, which
#: Dash's webpack loader names without one): an hour, then revalidated with their ETag.
SHORT = "public, max-age=3600"

#: Text types compressed on the fly (Flask-Compress's list plus CSV, GeoJSON and SVG text).
TEXT_TYPES = [
    "text/html", "text/css", "text/plain", "text/csv", "text/xml", "text/javascript", "text/markdown",
    "application/javascript", "application/x-javascript", "application/json", "application/geo+json",
    "application/problem+json", "application/xml", "application/xhtml+xml", "application/manifest+json",
    "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "application/vnd.ms-fontobject",
    "font/ttf", "font/otf",
]
#: Endpoints whose 200 bodies are files that never change for a given URL path + ETag/length.
STATIC_ENDPOINTS = {"/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
                    "_dash_assets.static", "static", "api_docs.static", "api_docs.swagger_file", "obs_plotly"}
#: Dash's own JSON GETs: the same for every visitor until the app is redeployed.
SHELL_PATHS = {"/_dash-layout", "/_dash-dependencies"}
MIN_SIZE = 500
MEMORY_LIMIT = 48 * 1024 * 1024  # bytes of compressed static files kept in memory per worker

_compress = Compress()


def install(dash_app) -> None:
    """Compression, caching headers and leaner pages for `dash_app` (a dash.Dash) and its server."""
    server = dash_app.server
    _drop_unused_bundles()
    server.add_url_rule(PARTIAL_ROUTE, "obs_plotly", _serve_partial)
    # Flask runs after_request hooks last-registered first: _deliver sets the caching headers on the
    # uncompressed body and serves static files precompressed, then Flask-Compress encodes the rest
    # (it leaves a response that already has a Content-Encoding alone).
    server.config.setdefault("COMPRESS_MIMETYPES", TEXT_TYPES)
    server.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    server.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    server.config.setdefault("COMPRESS_BR_LEVEL", 4)
    server.config.setdefault("COMPRESS_LEVEL", 6)
    server.config.setdefault("COMPRESS_MIN_SIZE", MIN_SIZE)
    server.config["COMPRESS_REGISTER"] = False  # registered below, behind _compress_dynamic
    _compress.init_app(server)
    server.after_request(_compress_dynamic)
    server.after_request(_deliver)


def _compress_dynamic(resp: flask.Response) -> flask.Response:
    """Flask-Compress for responses built in memory or streamed. A file sent as a file (send_file:
    a download produced once per build, served with ETag/Range) is left alone: compressing it here
    would redo, on every request, the work that serving a file is meant to avoid."""
    if resp.direct_passthrough:
        return resp
    return _compress.after_request(resp)


# -- which scripts a page loads ------------------------------------------------------------------

def _drop_unused_bundles() -> None:
    """Dash puts every imported component library's bundle on every page, and `dash` itself imports
    dash_table (29 KB + its loaders). No page of this app uses a DataTable: mark its entry bundle
    "dynamic" (still servable, never a <script> tag). A page that starts using dash_table must
    remove this."""
    from dash import dash_table
    for res in dash_table._js_dist:  # noqa: SLF001 — Dash's own resource list
        if res.get("relative_package_path", "").endswith("bundle.js"):
            res["dynamic"] = True


#: plotly.js with only the trace types the app draws (plotlyjs/, `make plotlyjs`): 3.2 MB instead of
#: 4.8 MB (brotli: 0.72 MB instead of 1.11 MB), and less script for a phone to parse. Used only while
#: its plotly.js version is the one the installed plotly (Python) is made for; else the full bundle.
PARTIAL = Path(__file__).resolve().parent / "vendor" / "plotly-partial.min.js"
PARTIAL_TRACES = frozenset({"choroplethmap", "scattermap", "bar", "histogram", "scatter", "choropleth", "scattergeo"})
PARTIAL_ROUTE = "/_dash-plotly/<digest>/plotly.min.js"  # under /_dash: a reserved prefix (web.ui), never a page


@functools.lru_cache(maxsize=1)
def _partial() -> tuple[bytes, str] | None:
    """The partial bundle and its content hash, if it matches the installed plotly's plotly.js."""
    from plotly.offline import get_plotlyjs_version
    try:
        body = PARTIAL.read_bytes()
    except OSError:
        return None
    m = re.match(rb"/\*\* plotly\.js v([0-9.]+) ", body)
    if not m or m.group(1).decode() != get_plotlyjs_version():
        return None
    return body, hashlib.sha256(body).hexdigest()[:12]


def plotly_url(prefix: str = "/") -> str:
    """The fingerprinted (immutable) URL of the plotly.js pages load: the partial bundle, or the full
    plotly.min.js Dash serves when the partial one does not match the installed plotly."""
    part = _partial()
    if part is not None:
        return f"{prefix}_dash-plotly/{part[1]}/plotly.min.js"
    import plotly
    rel = "package_data/plotly.min.js"
    mtime = int(os.stat(Path(plotly.__file__).parent / rel).st_mtime)
    return f"{prefix}_dash-component-suites/plotly/{build_fingerprint(rel, plotly.__version__, mtime)}"


def _serve_partial(digest: str):
    part = _partial()
    if part is None or digest != part[1]:
        flask.abort(404)
    resp = flask.Response(part[0], mimetype="text/javascript")
    resp.set_etag(part[1])
    return resp


def plotly_loader(eager: bool) -> str:
    """A <script> that makes `window.Plotly` a promise of plotly.js, fetched from its fingerprinted URL.
    dcc.Graph's loader waits on `window.Plotly` when it is set (`Promise.resolve(window.Plotly || load())`),
    so pages without a chart never fetch plotly.js (0.72 MB brotli) and pages with one fetch it
    from a URL that is cached for a year. `eager`: start the download at once (a page that opens
    with a chart, while its layout requests are in flight); otherwise when the first graph mounts."""
    return ("<script>(function(){var started,done,p=new Promise(function(r){done=r;});"
            "function load(){if(started)return;started=1;var s=document.createElement('script');"
            f"s.src='{plotly_url()}';s.async=true;s.onload=function(){{done(window.Plotly);}};"
            "s.onerror=function(){try{delete window.Plotly;}catch(e){window.Plotly=undefined;}done(undefined);};"
            "document.head.appendChild(s);}"
            "window.Plotly={then:function(a,b){load();return p.then(a,b);}};"
            + ("load();" if eager else "") + "})();</script>" + (_chunk_preloads() if eager else ""))


def _chunk_preloads() -> str:
    """dcc loads a graph's and a dropdown's code only when one first renders, after the layout and
    the first callbacks: a page that opens with a map fetches them at once instead."""
    prefix = "/_dash-component-suites/dash/dcc/"
    return "".join(f'<link rel="preload" as="script" href="{prefix}{n}">' for n in ("async-graph.js", "async-dropdown.js"))


# -- caching headers -------------------------------------------------------------------------------

def _fingerprinted(req) -> bool:
    if req.endpoint == "_dash_assets.static":
        return "m" in req.args
    if req.endpoint == "obs_plotly":
        return True  # the URL holds the content hash
    if req.endpoint in STATIC_ENDPOINTS and req.view_args and "fingerprinted_path" in req.view_args:
        return check_fingerprint(req.view_args["fingerprinted_path"])[1]
    return False


def _deliver(resp: flask.Response) -> flask.Response:
    req = flask.request
    if req.method not in ("GET", "HEAD"):
        return resp
    if req.endpoint in STATIC_ENDPOINTS:
        if resp.status_code in (200, 304) and _fingerprinted(req):
            resp.headers["Cache-Control"] = IMMUTABLE
        elif resp.status_code in (200, 304) and "Cache-Control" not in resp.headers:
            resp.headers["Cache-Control"] = SHORT
        if resp.status_code == 200:
            _precompressed(resp, req)
        return resp
    if resp.status_code == 200 and (resp.mimetype == "text/html" or req.path in SHELL_PATHS) \
            and not resp.is_streamed and "Cache-Control" not in resp.headers:
        resp.headers["Cache-Control"] = REVALIDATE
        resp.add_etag()
        # Flask-Compress makes the response conditional (ETag per encoding -> 304)
    return resp


# -- static files: compressed once -----------------------------------------------------------------

class _Store:
    """Compressed static files: memory (bounded in bytes, LRU) over a directory shared by the workers."""

    def __init__(self, limit: int = MEMORY_LIMIT):
        self.limit, self.size = limit, 0
        self.mem: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def directory() -> Path:
        from core.settings import paths
        return paths().data_dir / "compressed"

    def get(self, key: str) -> bytes | None:
        with self.lock:
            b = self.mem.get(key)
            if b is not None:
                self.mem.move_to_end(key)
                return b
        try:
            b = (self.directory() / key).read_bytes()
        except OSError:
            return None
        self._remember(key, b)
        return b

    def put(self, key: str, body: bytes, disk: bool = True) -> None:
        self._remember(key, body)
        if disk:
            d = self.directory()
            try:
                d.mkdir(parents=True, exist_ok=True)
                tmp = d / f".{key}.{os.getpid()}.tmp"
                tmp.write_bytes(body)
                os.replace(tmp, d / key)  # atomic: another worker never reads half a file
            except OSError:
                pass  # read-only data dir: memory only

    def _remember(self, key: str, body: bytes) -> None:
        if len(body) > self.limit // 4:
            return
        with self.lock:
            if key in self.mem:
                return
            self.mem[key] = body
            self.size += len(body)
            while self.size > self.limit:
                _, old = self.mem.popitem(last=False)
                self.size -= len(old)


STORE = _Store()
_BEST = threading.local()  # set by precompress(): quality 11 / level 9 instead of the fast levels


def _encode(body: bytes, algo: str) -> bytes:
    best = getattr(_BEST, "on", False)
    if algo == "br":
        return brotli.compress(body, quality=11 if best else 5, lgwin=24 if best else 22)
    return gzip.compress(body, compresslevel=9 if best else 6, mtime=0)


def _choose(accept: str) -> str | None:
    """br if the client accepts it, else gzip, else nothing (q=0 refuses)."""
    ok = {}
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 1.0
        ok[name.strip()] = q
    for algo in ("br", "gzip"):
        if ok.get(algo, ok.get("*", 0)) > 0:
            return algo
    return None


def _static_key(resp: flask.Response, req, algo: str) -> str:
    # The file behind the URL: the path without Dash's fingerprint (so made-up fingerprints of one
    # file share an entry) and its validator/length (a changed file is a new entry).
    path = req.path
    if req.view_args and "fingerprinted_path" in req.view_args:
        path = f"{req.view_args.get('package_name')}/{check_fingerprint(req.view_args['fingerprinted_path'])[0]}"
    tag = resp.get_etag()[0] or ""
    ident = f"{path}|{tag}|{resp.content_length}"
    return hashlib.sha256(ident.encode()).hexdigest()[:32] + "." + algo


def _precompressed(resp: flask.Response, req) -> None:
    vary = resp.headers.get("Vary")
    if not vary:
        resp.headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        resp.headers["Vary"] = f"{vary}, Accept-Encoding"
    if resp.mimetype not in TEXT_TYPES or "Content-Encoding" in resp.headers:
        return
    if resp.content_length is not None and resp.content_length < MIN_SIZE:
        return
    algo = _choose(req.headers.get("Accept-Encoding", ""))
    if algo is None:
        return
    key = _static_key(resp, req, algo)
    body = STORE.get(key)
    old = resp.response
    resp.direct_passthrough = False
    if body is None:
        body = _encode(resp.get_data(), algo)
        STORE.put(key, body, disk=getattr(_BEST, "on", False))  # fast levels: this worker's memory only
    if hasattr(old, "close"):
        old.close()  # the file send_file opened
    resp.set_data(body)
    resp.headers["Content-Encoding"] = algo
    tag, weak = resp.get_etag()
    if tag:
        resp.set_etag(f"{tag}-{algo}", weak=weak)


# -- python app.py precompress: compress every static file once, at the best levels -------------------

def static_urls(app_module) -> list[str]:
    """Every script and stylesheet a page of the app can ask for: the pages' <script>/<link> URLs,
    plotly.js, and Dash's on-demand chunks (dcc's async-*.js)."""
    from dash import dcc
    client = app_module.server.test_client()
    urls: set[str] = set()
    for page in ("/", "/sobre"):
        html = client.get(page, headers={"Accept": "text/html"}).get_data(as_text=True)
        urls.update(u for u in re.findall(r'(?:src|href)="(/[^"]+)"', html)
                    if u.startswith(("/_dash-component-suites/", "/assets/")))
    urls.add(plotly_url())
    dash_app = app_module.app
    for res in dcc._js_dist:  # noqa: SLF001
        rel = res.get("relative_package_path", "")
        if res.get("async") is True and rel.endswith(".js"):
            mod = sys.modules[f"dash.{rel.split('/')[0]}"]
            mtime = int(os.stat(Path(sys.modules["dash"].__file__).parent / rel).st_mtime)
            urls.add(f"{dash_app.config.requests_pathname_prefix}_dash-component-suites/dash/"
                     f"{build_fingerprint(rel, mod.__version__, mtime)}")
    return sorted(urls)


def precompress(app_module, progress=print) -> int:
    """Compress (brotli 11, gzip 9) every static file of the app (the `app` module: `python app.py
    precompress`) into $OBS_DATA_DIR/compressed once; copies already there are kept (a changed file has a
    new key). Returns the number of copies written."""
    client = app_module.server.test_client()
    d = STORE.directory()
    before = set(d.glob("*")) if d.exists() else set()
    _BEST.on = True
    try:
        urls = static_urls(app_module)
        for url in urls:
            for algo in ("br", "gzip"):
                r = client.get(url, headers={"Accept-Encoding": algo})
                r.close()
                if r.status_code != 200:
                    progress(f"  {url}: {r.status_code}")
        n = len(set(d.glob("*")) - before) if d.exists() else 0
        progress(f"{len(urls)} static files, {n} new compressed copies in {d}")
    finally:
        _BEST.on = False
    return n
