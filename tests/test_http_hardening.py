"""The web server hardened for public traffic (issue 9, items 2, 4, 6, 10, 11), tested as a client sees
it: status codes, bodies, headers and the log an operator reads.

- bodies over 1 MiB (announced or chunked) -> 413 with a short body;
- every registered callback, fed the wrong JSON type in each input and state, answers 4xx, never 5xx;
  malformed Dash envelopes -> 400; unknown component files and unrouted paths -> 404;
- /health for load balancers; pages without a database -> 503 "data being prepared";
- repeated page parameters -> the first value, never 500;
- one log line per client error, one traceback per place for repeated server errors;
- CSP with the inline scripts' hashes (no 'unsafe-inline' script), Referrer-Policy, Permissions-Policy, framing per route,
  no Host header in redirects or meta tags, no versions in the Dash config; pages render under the CSP
  without violations.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import re

import pytest
import requests

IND = "indice_envelhecimento"
PAGES = ["/", f"/indicador/{IND}", "/municipio/0101", "/regiao/PT11", "/alarmes", "/comparar", "/sobre",
         f"/embed/indicador/{IND}?view=map"]


@pytest.fixture(scope="module")
def obs_app(built):
    import app
    return app


@pytest.fixture()
def client(obs_app):
    return obs_app.server.test_client()


def _callback_map(obs_app, client) -> dict:
    client.get("/")                     # Dash fills callback_map on the first request
    return obs_app.app.callback_map


# -- item 2: request bodies ----------------------------------------------------------------------

def test_big_callback_body_is_413_with_a_short_body(client):
    r = client.post("/_dash-update-component", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                    content_type="application/json")
    assert r.status_code == 413
    assert len(r.data) < 200 and b"too large" in r.data


def test_big_chunked_body_is_413(live_url):
    """No Content-Length (Transfer-Encoding: chunked): the limit holds while the body is read."""
    def body():
        yield b'{"output": "'
        for _ in range(64):
            yield b"x" * 65536          # 4 MiB in all
        yield b'"}'
    r = requests.post(f"{live_url}/_dash-update-component", data=body(),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413
    assert len(r.content) < 200


def test_small_chunked_callback_body_still_reaches_the_app(live_url):
    def body():
        yield b'{"output": "no-such.children", '
        yield b'"outputs": {}, "inputs": []}'
    r = requests.post(f"{live_url}/_dash-update-component", data=body(),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 400 and "no such callback" in r.json()["error"]["message"]


def test_big_body_on_a_page_is_413(client):
    r = client.post("/sobre", data=b"x" * (2 * 1024 * 1024))
    assert r.status_code == 413


# -- items 4 + 6: callbacks never 500 ------------------------------------------------------------

WRONG = [1, -3, 2.5, True, [], ["a"], [1, 2], {}, {"a": 1}, {"points": "x"}, "x" * 300]


def _item(spec: dict, value) -> dict | list:
    cid = spec["id"]
    if cid.startswith("{"):
        pattern = json.loads(cid)
        return [{"id": {k: ("1" if isinstance(v, list) else v) for k, v in pattern.items()},
                 "property": spec["property"], "value": value}]
    return {"id": cid, "property": spec["property"], "value": value}


def _outputs(cb: dict):
    outs = cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
    items = [{"id": o.component_id if not isinstance(o.component_id, dict) else
              {k: ("1" if not isinstance(v, (str, int)) else v) for k, v in o.component_id.items()},
              "property": o.component_property} for o in outs]
    items = [[i] if isinstance(i["id"], dict) else i for i in items]
    return items if isinstance(cb["output"], list) else items[0]


def _envelope(key: str, cb: dict, values: dict[int, object]) -> dict:
    specs = cb["inputs"] + cb["state"]
    items = [_item(s, values.get(n)) for n, s in enumerate(specs)]
    ins, st = items[:len(cb["inputs"])], items[len(cb["inputs"]):]
    from dash._utils import stringify_id
    first = ins[0][0] if isinstance(ins[0], list) else ins[0]
    return {"output": key, "outputs": _outputs(cb), "inputs": ins, "state": st,
            "changedPropIds": [f"{stringify_id(first['id'])}.{first['property']}"]}


def test_every_callback_with_wrong_json_types_never_5xx(obs_app, client):
    """Hundreds of well-formed requests, one wrong-typed value at a time (the others null), at every
    registered callback: a 4xx or a normal answer, never a 5xx, and a wrong type never reaches app code."""
    cmap = _callback_map(obs_app, client)
    assert len(cmap) >= 20
    sent, statuses = 0, {}
    for key, cb in cmap.items():
        n = len(cb["inputs"]) + len(cb["state"])
        for pos, bad in itertools.product(range(n), WRONG):
            r = client.post("/_dash-update-component", json=_envelope(key, cb, {pos: bad}))
            sent += 1
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            assert r.status_code < 500, (key, pos, bad, r.status_code, r.data[:300])
    assert sent >= 300, sent
    assert statuses.get(400, 0) > sent // 2, statuses     # the wrong types were refused, not computed


def test_callbacks_with_null_or_odd_strings_never_5xx(obs_app, client):
    """Values of the right type but nonsense (unknown ids, empty strings) reach the app: no 5xx either."""
    cmap = _callback_map(obs_app, client)
    for key, cb in cmap.items():
        n = len(cb["inputs"]) + len(cb["state"])
        for value in (None, "", "zzz", "../../etc/passwd", "0101"):
            vals = {}
            for pos, spec in enumerate(cb["inputs"] + cb["state"]):
                vals[pos] = value if spec["property"] in ("value", "pathname", "search", "data") else None
            r = client.post("/_dash-update-component", json=_envelope(key, cb, vals))
            assert r.status_code < 500, (key, value, r.status_code, r.data[:300])
        assert n >= 1


LAYOUT_URLS = ["/", f"/indicador/{IND}", f"/indicador/{IND}?tab=serie&territories=0101,1106", "/municipio/0101",
               "/regiao/PT11", "/alarmes", "/alarmes?nivel=municipio&estado=ativo", "/comparar?t=0101,1106",
               "/sobre", f"/embed/indicador/{IND}?view=map", f"/embed/indicador/{IND}?view=chart", "/nope",
               "/simulacao", "/simulacao?p=pgu_low_density&lang=en"]  # issue 12


def _components(node):
    if isinstance(node, list):
        for x in node:
            yield from _components(x)
    elif isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
            for v in node["props"].values():
                yield from _components(v)
        else:
            for v in node.values():
                yield from _components(v)


def test_the_declared_input_types_accept_what_the_pages_render(obs_app, client):
    """Every value a page's own components start with passes the callback check (the declared types
    follow the components: a Checklist's value is a list, a Select's text)."""
    from web import http_guard
    cmap = _callback_map(obs_app, client)
    watched = {(s["id"], s["property"]) for cb in cmap.values() if "callback" in cb
               for s in cb["inputs"] + cb["state"]}
    key = next(k for k in cmap if "_pages_content" in k)
    checked = set()
    layouts = [client.get("/_dash-layout").get_json()]
    for url in LAYOUT_URLS:
        path, _, query = url.partition("?")
        r = client.post("/_dash-update-component", json=_envelope(key, cmap[key], {0: path, 1: "?" + query}))
        assert r.status_code == 200, url
        layouts.append(r.get_json())
    for tree in layouts:
        for comp in _components(tree):
            cid = comp["props"].get("id")
            for prop, value in comp["props"].items():
                if isinstance(cid, str) and (cid, prop) in watched:
                    assert http_guard.check_value(cid, prop, value) is None, (comp["type"], cid, prop, value)
                    checked.add((cid, prop))
    assert len(checked) >= 25, sorted(watched - checked)


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b"null", b'"x"', b"{}", b'{"output": 1}', b'{"output": "nope.children"}',
    b'{"output": "..shell-header.children...shell-footer.children...skip-link.children..", "outputs": 5}',
    b'{"output": "..shell-header.children...shell-footer.children...skip-link.children..", "outputs": [], "inputs": []}',
    json.dumps({"output": "..shell-header.children...shell-footer.children...skip-link.children..",
                "outputs": [{"id": i, "property": "children"} for i in ("shell-header", "shell-footer", "skip-link")],
                "inputs": [{"id": "shell-url", "property": p, "value": v} for p, v in (("pathname", "/"), ("search", ""))],
                "changedPropIds": ['{"bad.pathname']}).encode(),
])
def test_malformed_envelopes_are_400(client, body):
    r = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.is_json and r.get_json()["error"]["status"] == 400


def test_a_good_callback_request_still_works(obs_app, client):
    cmap = _callback_map(obs_app, client)
    key = "..shell-header.children...shell-footer.children...skip-link.children.."
    env = _envelope(key, cmap[key], {0: "/sobre", 1: "?lang=en"})
    r = client.post("/_dash-update-component", json=env)
    assert r.status_code == 200
    assert "Skip to content" in r.get_data(as_text=True) or "skip" in r.get_data(as_text=True).lower()


@pytest.mark.parametrize("path", ["/_dash-component-suites/nope/x.js", "/_dash-component-suites/dash/nope.js",
                                  "/_dash-component-suites/dash/../../etc/passwd"])
def test_unknown_component_files_are_404(client, path):
    assert client.get(path).status_code == 404


def test_known_component_file_is_served(client):
    html = client.get("/").get_data(as_text=True)
    src = re.search(r'src="(/_dash-component-suites/[^"]+)"', html).group(1)
    assert client.get(src).status_code == 200


@pytest.mark.parametrize("path", ["/download/", "/download", "/_dash-config", "/_dash-nope", "/geo/x/../..",
                                  "/geo/", "/assets/nope.css", "/og/nope"])
def test_unmatched_paths_are_404(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 404, (path, r.status_code)


def test_unmatched_path_over_http_is_404(live_url):
    r = requests.get(f"{live_url}/geo/x/%2e%2e/%2e%2e", timeout=10)
    assert r.status_code == 404


def test_health(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.is_json
    assert r.get_json()["status"] == "ok" and r.get_json()["run_id"]
    assert client.head("/health").status_code == 200


@pytest.mark.parametrize("url, first", [
    ("/municipio/0101?i=a&i=b", "/municipio/0101?i=a"),
    ("/alarmes?area=a&area=b", "/alarmes?area=a"),
    ("/alarmes?nivel=a&nivel=b&lang=en&lang=pt", "/alarmes?nivel=a&lang=en"),
    ("/?lang=en&lang=en", "/?lang=en"),
    ("/regiao/PT11?grupo=a&grupo=b&lang=en", "/regiao/PT11?grupo=a&lang=en"),
    ("/sobre?lang=en&lang=pt", "/sobre?lang=en"),
])
def test_repeated_page_parameters_take_the_first_value(client, url, first):
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == 302
    assert r.headers["Location"] == first           # relative: no Host header in it
    assert client.get(first, headers={"Accept": "text/html"}).status_code < 500


def test_comparar_keeps_repeated_territories(client):
    r = client.get("/comparar?t=0101&t=1106", headers={"Accept": "text/html"})
    assert r.status_code == 200


@pytest.mark.parametrize("url", [f"/indicador/{IND}?period=2011&period=2021", f"/indicador/{IND}?lang=en&lang=pt",
                                 f"/embed/indicador/{IND}?view=map&view=chart", f"/indicador/{IND}?i=a&i=b"])
def test_repeated_parameters_on_pages_that_explain_them_are_400_or_200(obs_app, client, url):
    """The indicator page and its embed name the repeated parameter in a 400 page; its layout, asked
    for by the page router, never fails either."""
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code in (200, 400)
    cmap = _callback_map(obs_app, client)
    key = next(k for k in cmap if "_pages_content" in k)
    path, _, query = url.partition("?")
    r = client.post("/_dash-update-component", json=_envelope(key, cmap[key], {0: path, 1: "?" + query}))
    assert r.status_code == 200


def test_repeated_parameters_in_the_page_router_callback_are_400(obs_app, client):
    cmap = _callback_map(obs_app, client)
    key = next(k for k in cmap if "_pages_content" in k)
    cb = cmap[key]
    vals = {n: ("/municipio/0101" if s["property"] == "pathname" else "?i=a&i=b" if s["property"] == "search"
                else None) for n, s in enumerate(cb["inputs"] + cb["state"])}
    r = client.post("/_dash-update-component", json=_envelope(key, cb, vals))
    assert r.status_code == 400


# -- logging -----------------------------------------------------------------------------------

def test_a_client_error_is_one_log_line(obs_app, client, caplog):
    cmap = _callback_map(obs_app, client)
    key = "..shell-header.children...shell-footer.children...skip-link.children.."
    with caplog.at_level(logging.INFO):
        caplog.clear()
        r = client.post("/_dash-update-component", json=_envelope(key, cmap[key], {0: {"a": 1}}))
    assert r.status_code == 400
    assert len(caplog.records) == 1
    rec = caplog.records[0]
    assert rec.exc_info is None and "\n" not in rec.getMessage() and len(rec.getMessage()) < 400


def test_repeated_server_errors_log_one_traceback(client, caplog, monkeypatch):
    from serving import data

    def boom():
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(data, "build_info", boom)
    with caplog.at_level(logging.INFO):
        caplog.clear()
        for _ in range(20):
            assert client.get("/health").status_code == 500
    with_tb = [r for r in caplog.records if r.exc_info]
    assert len(with_tb) == 1
    assert "disk on fire" in caplog.text


# -- item 10: no database ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", f"/indicador/{IND}", "/municipio/0101", "/alarmes", "/regiao/PT11",
                                  f"/embed/indicador/{IND}?view=map", "/nope"])
def test_no_database_pages_are_503_data_being_prepared(client, monkeypatch, tmp_path, path):
    monkeypatch.setenv("OBS_DB", str(tmp_path / "none.duckdb"))
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) > 0
    body = r.get_data(as_text=True)
    assert "Os dados estão a ser preparados" in body and 'lang="pt-PT"' in body
    en = client.get(path + ("&" if "?" in path else "?") + "lang=en", headers={"Accept": "text/html"})
    assert en.status_code == 503 and "The data are being prepared" in en.get_data(as_text=True)


def test_no_database_health_and_callbacks_are_503(obs_app, client, monkeypatch, tmp_path):
    cmap = _callback_map(obs_app, client)
    monkeypatch.setenv("OBS_DB", str(tmp_path / "none.duckdb"))
    r = client.get("/health")
    assert r.status_code == 503 and r.is_json and "Retry-After" in r.headers
    key = "..shell-header.children...shell-footer.children...skip-link.children.."
    r = client.post("/_dash-update-component", json=_envelope(key, cmap[key], {0: "/sobre", 1: ""}))
    assert r.status_code == 503


# -- item 11: headers --------------------------------------------------------------------------

def _csp(resp) -> dict[str, str]:
    out = {}
    for part in resp.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value
    return out


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_pages(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    csp = _csp(r)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    allowed = set(re.findall(r"'sha256-([^']+)'", csp["script-src"]))
    html = r.get_data(as_text=True)
    inline = [body for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
              if "src=" not in attrs and body.strip()]
    # every inline script the page carries is allowed by its hash, and nothing else is
    assert inline and {base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in inline} == allowed
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in r.headers["Permissions-Policy"] and "geolocation=()" in r.headers["Permissions-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    if path.startswith("/embed/"):
        assert csp["frame-ancestors"] == "*" and "X-Frame-Options" not in r.headers
    else:
        assert csp["frame-ancestors"] == "'self'" and r.headers["X-Frame-Options"] == "SAMEORIGIN"
    again = client.get(path, headers={"Accept": "text/html"})
    # the same page, the same policy (so a repeat visit revalidates: 304 with a matching policy)
    assert again.headers["Content-Security-Policy"] == r.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/api/v1/indicators", "/health", "/api/docs", "/assets/10-base.css"])
def test_security_headers_elsewhere(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert _csp(r)["frame-ancestors"] == "'self'"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "Referrer-Policy" in r.headers


def test_dash_config_does_not_advertise_versions(client):
    html = client.get("/").get_data(as_text=True)
    cfg = json.loads(re.search(r'<script[^>]*id="_dash-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    for key in ("dash_version", "python_version", "plotly_version", "ddk_version", "dash_version_url"):
        assert key not in cfg
    import dash
    import plotly
    text = json.dumps(cfg)
    assert dash.__version__ not in text and plotly.__version__ not in text and "plotly.com" not in html


@pytest.mark.parametrize("path", ["/", f"/indicador/{IND}", "/municipio/0101"])
def test_host_header_not_reflected_in_pages(client, path):
    r = client.get(path, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example",
                                  "Accept": "text/html"})
    assert r.status_code == 200
    assert "evil.example" not in r.get_data(as_text=True)


def test_host_header_not_reflected_in_redirects(obs_app, client):
    """Every redirect the server makes (trailing slashes, old geo URLs, repeated parameters)."""
    rules = [r.rule for r in obs_app.server.url_map.iter_rules() if r.rule.endswith("/") and len(r.rule) > 1
             and "<" not in r.rule]
    paths = [r.rstrip("/") for r in rules] + ["/geo/old/municipios.geojson", "/municipio/0101?i=a&i=b"]
    seen = 0
    for p in paths:
        r = client.get(p, headers={"Host": "evil.example"})
        if 300 <= r.status_code < 400:
            seen += 1
            assert "evil.example" not in r.headers["Location"], (p, r.headers["Location"])
    assert seen >= 2


# -- browser: the pages render under the CSP (the fixture duo: conftest.py) ---------------------

@pytest.mark.browser
def test_pages_render_under_the_csp_without_violations(duo):
    from tests import see
    d = duo.driver
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) {"
        "window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });")})
    for path, selector in [(f"/indicador/{IND}", "#ind-map"), ("/municipio/0101", "main h1"),
                           ("/alarmes", "main h1"), ("/", "main h1")]:
        d.get(duo.server_url + path)
        see.visible(d, selector, timeout=30)
        see.settle(d)
        if path.startswith("/indicador"):
            see.painted(d, "#ind-map")
        assert d.execute_script("return window.__csp") == [], path
        logs = [x for x in duo.get_logs() or [] if "Content Security Policy" in x.get("message", "")]
        assert logs == [], (path, logs)
