"""The web server's guard rails (issue 9, items 2, 4, 6, 10, 11): one place for what every request
goes through before and after the app's own code. `install(app)` is called once in app.py.

- Request bodies are limited (MAX_BODY, chunked bodies too) -> 413 with a short body.
- Dash's callback endpoint validates the envelope (JSON object, a registered `output`, the callback's
  own inputs and states) and every Input/State value against the type declared ONCE here, per
  component property (`PROP_TYPES`) or per store (`ID_TYPES`): a value of the wrong JSON type never
  reaches app code or SQL; the answer is a 400 with a one-line JSON body.
- Unknown `/_dash-component-suites/` files -> 404; paths under the app's reserved prefixes that no route
  serves (`/_dash-config`, `/download/`, `/geo/x/../..`) -> 404, not the app's catch-all page.
- `/health` for load balancers: 200 JSON with the served build's run_id, 503 with no database.
- With no database file, pages answer 503 with a bilingual "data are being prepared" page and Retry-After.
- Repeated query parameters on pages redirect to the first value (relative Location), except on pages
  that read them (READS_REPEATS); the page router's callback refuses them elsewhere (400).
- Security headers on every response: Content-Security-Policy with the sha256 hashes of Dash's inline
  scripts (no 'unsafe-inline' for scripts), Referrer-Policy, Permissions-Policy, X-Content-Type-Options,
  frame-ancestors/X-Frame-Options per route (only /embed/ may be framed by other sites).
- Redirects never carry the request's Host header: an absolute Location on our own host becomes relative.
- The page's Dash config does not advertise the Dash/Python/plotly versions.
- Logging: a client error is one line; a server error logs its traceback once a minute per place
  (its repeats are counted in the next one).
"""
from __future__ import annotations

import base64
import html
import io
import json
import logging
import re
import hashlib
import threading
import time
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import dash
import flask
from annotated_types import Ge, Len
from dash._utils import stringify_id
from dash.exceptions import DependencyException
from pydantic import StringConstraints, TypeAdapter, ValidationError
from typing_extensions import TypedDict
from werkzeug.exceptions import RequestEntityTooLarge

from serving import data
from core.i18n import HTML_LANG, LANGS, lang_of, t

log = logging.getLogger("obs.http")

MAX_BODY = 1024 * 1024          #: bytes; Dash's largest real callback body is a few KB
RETRY_AFTER = 120               #: seconds, on 503 while the data are being prepared
RESERVED_PREFIXES = ("/_dash", "/_reload", "/_favicon", "/assets", "/api", "/download", "/geo", "/health", "/og/",
                     "/ngsi-ld/", "/feeds/")  # issue 13: the live path (live.web)
#: pages that read repeated query parameters themselves: /comparar?t=0101&t=1106 is a list of territories;
#: the indicator page and its embed answer 400 with a message naming the parameter. Elsewhere a repeated
#: parameter is taken at its first value.
READS_REPEATS = ("/comparar", "/indicador/", "/embed/")
#: keys of Dash's page config that only advertise versions (the renderer does not need them with dev tools off)
VERSION_KEYS = ("dash_version", "python_version", "dash_version_url", "ddk_version", "plotly_version",
                "plotly_cloud_installed")

# -- callback input types, declared once -------------------------------------------------------

Str = str | None
Path = Annotated[str, StringConstraints(pattern=r"^/")]     # what Dash's page router accepts
Count = Annotated[int, Ge(0)] | None
StrList = list[str] | None


class _ClickData(TypedDict):
    points: Annotated[list[dict[str, Any]], Len(min_length=1)]


class _Lang(TypedDict):
    lang: str


class _RankSort(TypedDict):
    key: str
    desc: bool


class _Defaults(TypedDict):
    classification: str | None


class _TerritoryState(TypedDict):
    territory_id: str
    group: str | None
    lang: str
    default_group: str | None


class _SimPage(TypedDict):      # issue 12: /simulacao's page store
    lang: str
    base: dict[str, Any]
    preset: str | None


Num = int | float | None

#: by component property (dcc.Location pathname/search, Dropdown/Select/RadioItems/Input value, ...)
PROP_TYPES: dict[str, Any] = {
    "pathname": Str, "search": Str, "hash": Str, "href": Str,
    "value": str | int | float | None,        # narrowed per id below where the app expects text
    "n_clicks": Count, "n_submit": Count,
    "n_intervals": Count,                     # issue 13: dcc.Interval (live alarms)
    "is_open": bool | None, "hidden": bool | None, "disabled": bool | None,
    "clickData": _ClickData | None,
    "children": Any,                          # what the server itself rendered
    "data": Any,                              # stores: see ID_TYPES
}
#: by component id (or pattern-matching `type`): stores and the selects that hold text or lists of text
ID_TYPES: dict[tuple[str, str], Any] = {
    **{(i, "value"): Str for i in (
        "alarmes-area", "alarmes-region", "alarmes-scope", "comparar-add",
        "ind-classification", "ind-indicator", "ind-level", "ind-period", "ind-view", "municipio-band-indicator",
        "regiao-band-indicator", "shell-search")},
    ("ind-series-select", "value"): StrList,
    ("alarmes-level", "value"): StrList,          # dbc.Checklist
    ("alarmes-status", "value"): StrList,
    ("comparar-indicators", "value"): StrList,
    ("ind-page", "data"): _Lang,
    ("alarmes-state", "data"): _Lang,
    ("ind-map-key", "data"): Str,
    ("ind-defaults", "data"): _Defaults | None,
    ("ind-tabs", "data"): Str,
    ("ind-pick-id", "data"): Str,
    ("ind-rank-sort", "data"): _RankSort | None,
    ("comparar-chosen", "data"): StrList,
    ("comparar-lang", "data"): Str,
    ("municipio-state", "data"): _TerritoryState,
    ("regiao-state", "data"): _TerritoryState,
    **{(i, "data"): Str for i in ("alarmes-url-search", "comparar-url-search", "municipio-url-search",
                                   "regiao-url-search")},
    **{(i, "data"): Str for i in ("alarmes-live-version", "municipio-live-version")},  # issue 13

    # -- issue 12: /simulacao --
    **{(i, "value"): Num for i in ("sim-budget", "sim-density", "sim-floor", "sim-cap", "sim-wi-value")},
    ("sim-weight", "value"): Num | str,       # a native range input sends its value as text
    **{(i, "value"): Str for i in ("sim-baseline", "sim-wi-rule", "sim-why-pick")},
    ("sim-page", "data"): _SimPage,
    ("sim-current", "data"): Str,
    ("sim-import", "contents"): Str,
    ("_pages_location", "pathname"): Path,
    ("_pages_store", "data"): Any,
}
_ADAPTERS: dict[Any, TypeAdapter] = {}


def expected_type(component_id: str | dict, prop: str) -> Any:
    """The type a callback expects for `component_id.prop` (Any when nothing is declared)."""
    key = component_id.get("type") if isinstance(component_id, dict) else component_id
    return ID_TYPES.get((key, prop), PROP_TYPES.get(prop, Any))


def check_value(component_id: str | dict, prop: str, value: Any) -> str | None:
    """None if `value` is what the callback expects, else a one-line reason."""
    tp = expected_type(component_id, prop)
    if tp is Any:
        return None
    ad = _ADAPTERS.get(tp)
    if ad is None:
        ad = _ADAPTERS[tp] = TypeAdapter(tp)
    try:
        ad.validate_python(value, strict=True)
    except ValidationError as e:
        err = e.errors()[0]
        return f"{_name(component_id)}.{prop}: {err['msg']}"
    return None


def _name(component_id) -> str:
    return json.dumps(component_id, sort_keys=True) if isinstance(component_id, dict) else str(component_id)


class BadCallback(Exception):
    pass


def _same_id(sent, declared: str) -> bool:
    if isinstance(sent, str):
        return sent == declared
    if not isinstance(sent, dict) or not declared.startswith("{"):
        return False
    try:
        pattern = json.loads(declared)
    except ValueError:
        return False
    return set(sent) == set(pattern) and all(
        isinstance(v, list) or sent[k] == v for k, v in pattern.items())


def _check_items(items, declared: list[dict], what: str, pathname: str | None) -> None:
    if not isinstance(items, list) or len(items) != len(declared):
        raise BadCallback(f"`{what}` must be a list of {len(declared)} item(s)")
    for item, dec in zip(items, declared):
        group = item if isinstance(item, list) else [item]       # pattern-matching ALL/ALLSMALLER: a list
        if isinstance(item, list) and not dec["id"].startswith("{"):
            raise BadCallback(f"`{what}`: {dec['id']}.{dec['property']} is not a pattern-matching input")
        for it in group:
            if not isinstance(it, dict) or "id" not in it or "property" not in it:
                raise BadCallback(f"`{what}`: each item needs `id`, `property` and `value`")
            if it["property"] != dec["property"] or not _same_id(it["id"], dec["id"]):
                raise BadCallback(f"`{what}`: expected {dec['id']}.{dec['property']}")
            reason = check_value(it["id"], it["property"], it.get("value"))
            if reason is None and it["property"] == "search" and isinstance(it.get("value"), str):
                reason = _repeated(pathname or "", it["value"].lstrip("?"))
            if reason:
                raise BadCallback(reason)


def _check_outputs(outputs, cb: dict) -> None:
    declared = [] if cb.get("no_output") else cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
    sent = outputs if isinstance(cb["output"], list) or cb.get("no_output") else [outputs]
    if not isinstance(sent, list) or len(sent) != len(declared):
        raise BadCallback(f"`outputs` must list the callback's {len(declared)} output(s)")
    for item, dec in zip(sent, declared):
        for it in (item if isinstance(item, list) else [item]):
            if not isinstance(it, dict) or str(it.get("property")).split("@")[0] != dec.component_property.split(
                    "@")[0] or not _same_id(
                    it.get("id"), dec.component_id_str()):
                raise BadCallback(f"`outputs`: expected {dec.component_id_str()}.{dec.component_property}")


def check_envelope(body, callback_map: dict) -> None:
    """Raise BadCallback with a one-line reason unless `body` is a well-formed request for a
    registered callback whose every input and state has the declared type."""
    if not isinstance(body, dict):
        raise BadCallback("the body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str):
        raise BadCallback("`output` (a string) is required")
    cb = callback_map.get(output)
    if cb is None or "callback" not in cb:          # unknown, or a clientside callback (never served)
        raise BadCallback("no such callback")
    _check_outputs(body.get("outputs"), cb)
    if not isinstance(body.get("changedPropIds", []), list) or not all(
            isinstance(x, str) for x in body.get("changedPropIds", [])):
        raise BadCallback("`changedPropIds` must be a list of strings")
    inputs, state = body.get("inputs"), body.get("state", [])
    pathname = next((it.get("value") for it in (inputs if isinstance(inputs, list) else [])
                     if isinstance(it, dict) and it.get("property") == "pathname"), None)
    _check_items(inputs, cb.get("inputs", []), "inputs", pathname if isinstance(pathname, str) else None)
    _check_items(state, cb.get("state", []), "state", pathname if isinstance(pathname, str) else None)
    sent = {f"{stringify_id(it['id'])}.{it['property']}" for item in inputs
            for it in (item if isinstance(item, list) else [item])}
    if not set(body.get("changedPropIds", [])) <= sent:     # ctx.triggered_id parses these
        raise BadCallback("`changedPropIds` must name the request's inputs")


def _repeated(path: str, query: str) -> str | None:
    if path.rstrip("/") == READS_REPEATS[0] or path.startswith(READS_REPEATS[1:]):
        return None
    seen = parse_qs(query, keep_blank_values=True)
    rep = sorted(k for k, v in seen.items() if len(v) > 1)
    return f"query parameter repeated: {', '.join(rep)}" if rep else None


# -- pages: 503 with no database ---------------------------------------------------------------

def preparing_page(lang: str) -> str:
    """The 503 page while the database is built: in the URL's language, then the same in the other one."""
    lang = lang_of(lang)
    other = next(x for x in LANGS if x != lang)
    title, text, again = (t(f"preparing.{k}", lang) for k in ("title", "body", "again"))
    return (f'<!DOCTYPE html><html lang="{HTML_LANG[lang]}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(t("site.page_title", lang, page=title))}</title>'
            '<link rel="stylesheet" href="/assets/00-bootstrap.min.css">'
            '</head><body><main class="container py-5"><h1>' + html.escape(title) + '</h1><p>' + html.escape(text)
            + f'</p><p><a href="" class="btn btn-primary">{html.escape(again)}</a></p>'
            f'<p lang="{HTML_LANG[other]}" class="text-muted">{html.escape(t("preparing.title", other))}. '
            f'{html.escape(t("preparing.body", other))}</p></main></body></html>')


# -- logging -----------------------------------------------------------------------------------

TRACEBACK_WINDOW = 60.0         #: seconds: one traceback per place per window


class DedupTracebacks(logging.Filter):
    """Server errors keep their traceback, but one place's (exception type, file, line of the innermost
    frame) is written once a window; its repeats are dropped and counted in the next one written. The
    places are the app's code lines, so a client cannot make the log grow faster than that."""

    def __init__(self, window: float = TRACEBACK_WINDOW):
        super().__init__()
        self.window = window
        self._seen: dict[tuple, list] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _place(exc_info) -> tuple:
        etype, _, tb = exc_info
        last = None
        while tb is not None:
            last, tb = tb, tb.tb_next
        where = (last.tb_frame.f_code.co_filename, last.tb_lineno) if last else ("", 0)
        return (getattr(etype, "__name__", str(etype)),) + where

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or not isinstance(record.exc_info, tuple):
            return True
        now = time.monotonic()
        key = self._place(record.exc_info)
        with self._lock:
            first, count = self._seen.get(key, (None, 0))
            if first is not None and now - first < self.window:
                self._seen[key] = [first, count + 1]
                return False
            if len(self._seen) > 1000:
                self._seen.clear()
            self._seen[key] = [now, 0]
        if count:
            record.msg = f"{record.msg} (+{count} like it in the last {self.window:.0f} s, tracebacks not repeated)"
        return True


def client_error(status: int, reason: str) -> None:
    req = flask.request
    log.warning("%s %s %s: %s", status, req.method, req.full_path[:200].rstrip("?"), reason[:200])


def json_error(status: int, message: str, **headers) -> flask.Response:
    resp = flask.Response(json.dumps({"error": {"status": status, "message": message}}, ensure_ascii=False),
                          status=status, mimetype="application/json")
    for k, v in headers.items():
        resp.headers[k.replace("_", "-")] = v
    return resp


# -- security headers --------------------------------------------------------------------------

#: 'unsafe-inline' for styles only: plotly.js writes <style> elements and style attributes while drawing
#: (and React's style props); scripts come from 'self', or are the page's own inline scripts allowed by
#: their sha256 hash (Dash's renderer, the plotly.js loader). data:/blob: images: plotly's "download as PNG" and Bootstrap's icons.
CSP = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors {ancestors}")
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=()")
_INLINE_SCRIPT = re.compile(r"<script(?=[\s>])([^>]*)>(.*?)</script>", re.S)
_CONFIG = re.compile(r'(<script id="_dash-config" type="application/json">)(.*?)(</script>)', re.S)


def _harden_index(index: str) -> str:
    """Dash's index hook: the inline scripts' hashes for the CSP and no version keys in the config."""
    def strip(m):
        try:
            cfg = json.loads(m.group(2))
        except ValueError:
            return m.group(0)
        for k in VERSION_KEYS:
            cfg.pop(k, None)
        body = json.dumps(cfg, separators=(",", ":")).replace("<", "\\u003c").replace("/", "\\u002f")
        return m.group(1) + body + m.group(3)
    index = _CONFIG.sub(strip, index, count=1)
    if flask.has_request_context():
        # the CSP allows exactly these inline scripts by their hash (not a per-response nonce: the page's
        # HTML stays the same from one request to the next, so a repeat visit revalidates with a 304)
        flask.g.csp_hashes = sorted({
            "'sha256-" + base64.b64encode(hashlib.sha256(m.group(2).encode()).digest()).decode() + "'"
            for m in _INLINE_SCRIPT.finditer(index) if "src=" not in m.group(1) and m.group(2).strip()})
    return index


def _is_page_request(req) -> bool:
    return req.method in ("GET", "HEAD") and not req.path.startswith(RESERVED_PREFIXES)


# -- request bodies ----------------------------------------------------------------------------

class BodyLimit:
    """WSGI middleware: a body over `limit` bytes is refused with 413 before the app sees it. An announced
    Content-Length is checked without reading; a chunked body (no Content-Length) is read up to limit + 1
    bytes and handed on as a plain, length-delimited body (Werkzeug alone would silently truncate it at
    the limit instead of refusing it)."""

    def __init__(self, wsgi_app, limit: int = MAX_BODY):
        self.wsgi_app, self.limit = wsgi_app, limit

    def too_large(self, environ, start_response):
        log.warning("413 %s %s: body too large", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")[:200])
        body = json.dumps({"error": {"status": 413, "message": f"request body too large (at most "
                                                              f"{self.limit // 1024} KiB)"}}).encode()
        start_response("413 Request Entity Too Large", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close"),
            ("X-Content-Type-Options", "nosniff")])
        return [body]

    def __call__(self, environ, start_response):
        length = environ.get("CONTENT_LENGTH")
        if length:
            try:
                if int(length) > self.limit:
                    return self.too_large(environ, start_response)
            except ValueError:
                pass
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream, chunks, size = environ["wsgi.input"], [], 0
            while size <= self.limit:
                chunk = stream.read(min(65536, self.limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > self.limit:
                return self.too_large(environ, start_response)
            body = b"".join(chunks)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)     # Werkzeug ignores Content-Length while it is set
        return self.wsgi_app(environ, start_response)


# -- install -----------------------------------------------------------------------------------

_installed_hook = False


def install(app: dash.Dash) -> None:
    """Wire everything above into the Dash app and its Flask server. Call before the app's own
    before_request functions are registered (they run in order: these checks come first)."""
    global _installed_hook
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    server.wsgi_app = BodyLimit(server.wsgi_app, MAX_BODY)
    server.logger.addFilter(DedupTracebacks())
    if not _installed_hook:
        dash.hooks.index()(_harden_index)
        _installed_hook = True

    @server.route("/health", methods=["GET", "HEAD"])
    def health():
        try:
            info = data.build_info()
        except data.NoDatabase:
            return json_error(503, "no database yet: the data are being prepared", Retry_After=str(RETRY_AFTER))
        out = {"status": "ok", "run_id": info.get("run_id"), "is_demo": bool(info.get("is_demo", False))}
        resp = flask.Response(json.dumps(out, default=str), mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @server.before_request
    def guard():
        req = flask.request
        path = req.path
        if req.url_rule is not None and req.url_rule.rule == "/<path:path>" and path.startswith(RESERVED_PREFIXES):
            client_error(404, "no such resource")   # the app's catch-all must not answer for reserved prefixes
            return json_error(404, "not found")
        if path == "/_dash-update-component" and req.method == "POST":
            body = req.get_json(silent=True)
            try:
                check_envelope(body, app.callback_map)
            except BadCallback as e:
                client_error(400, str(e))
                return json_error(400, f"bad callback request: {e}")
            try:
                data.db_version()
            except data.NoDatabase:
                return json_error(503, "the data are being prepared", Retry_After=str(RETRY_AFTER))
            return None
        if path == "/_dash-layout":
            return None
        if not _is_page_request(req):
            return None
        try:
            data.db_version()
        except data.NoDatabase:
            lang = lang_of(req.args.get("lang"))
            resp = flask.Response(preparing_page(lang), status=503, mimetype="text/html")
            resp.headers["Retry-After"] = str(RETRY_AFTER)
            resp.headers["Cache-Control"] = "no-store"
            return resp
        reason = _repeated(path, req.query_string.decode("latin-1"))
        if reason:
            first = [(k, vs[0]) for k, vs in req.args.lists()]
            client_error(302, reason)
            return flask.redirect(path + ("?" + urlencode(first) if first else ""), 302)
        return None

    @server.errorhandler(DependencyException)
    def unknown_component_file(e):
        client_error(404, "unknown component file")
        return json_error(404, "no such file")

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(e):
        client_error(413, "body too large")
        return json_error(413, f"request body too large (at most {MAX_BODY // 1024} KiB)")

    @server.after_request
    def security_headers(resp: flask.Response):
        req = flask.request
        h = resp.headers
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "strict-origin-when-cross-origin"
        h["Permissions-Policy"] = PERMISSIONS_POLICY
        embed = req.path.startswith("/embed/")
        hashes = flask.g.get("csp_hashes") or []
        h["Content-Security-Policy"] = CSP.format(hashes="".join(" " + x for x in hashes),
                                                  ancestors="*" if embed else "'self'")
        if embed:
            h.pop("X-Frame-Options", None)
        else:
            h["X-Frame-Options"] = "SAMEORIGIN"
        loc = h.get("Location")
        if loc and 300 <= resp.status_code < 400:
            u = urlsplit(loc)
            if u.netloc and u.netloc == req.host:   # never send the client's Host header back
                h["Location"] = u.path + (f"?{u.query}" if u.query else "") + (f"#{u.fragment}" if u.fragment else "")
        return resp
