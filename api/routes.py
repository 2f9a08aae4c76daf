"""The read-only HTTP API under /api/v1 and the open-data downloads under /download.

Views only parse and check parameters, ask serving.data (the one place with queries; restricted
indicators are filtered there and checked again here) and hand rows to api.export or to JSON.

- JSON envelope: {"data", "pagination" (listings), "meta" (build, demo flag, licence, citation)}.
- Errors: {"error": {"status", "message", "parameter", "valid"}}; 400 lists the valid values,
  404 for unknown ids, 500/503 without a traceback.
- ETag = hash of the build run_id and the URL; If-None-Match answers 304 before any query.
- Demo data: header X-Observatorio-Demo: true, `meta.notice` in JSON, a `demo` column in CSV,
  notice in metadata.json and the README of every ZIP.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import orjson
import pandas as pd
from flask import Blueprint, Response, current_app, g, redirect, request, send_file
from werkzeug.exceptions import HTTPException, NotFound, RequestURITooLarge

from core import settings
from api import apidocs, downloads, export, openapi
from serving import data, memcache

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000
MAX_PAGE = 1_000_000
MAX_IDS = 400
#: longer URLs under /api and /download get a JSON 414 (gunicorn's own limit on the request line is 4094)
MAX_URL_LENGTH = 4000
LICENCE = ("Os dados mantêm a licença de cada fonte (ver `sources` de cada indicador): cite a fonte e o "
           "Observatório. / Data keep each source's licence (see each indicator's `sources`): cite the "
           "source and the Observatório.")

bp = Blueprint("api_v1", __name__, url_prefix=API_PREFIX)
dl = Blueprint("download", __name__, url_prefix="/download")

TERRITORY_COLUMNS = ["territory_id", "level", "name", "name_unique", "parent_id", "nuts1_id", "nuts2_id",
                     "nuts3_id", "district_id", "cim_id", "tipo_territorio", "area_km2", "population"]
ALARM_COLUMNS = ["alarm_id", "indicator_id", "territory_id", "name", "territory_level", "area", "rule_id",
                 "rule_type", "level", "status", "is_active", "is_current", "series_state", "period_id",
                 "since_period_id", "value", "threshold", "reference_value", "reference_kind", "official",
                 "explanation_pt", "explanation_en", "sentence_pt", "sentence_en"]

class ApiError(Exception):
    def __init__(self, status: int, message: str, parameter: str | None = None, valid: list | None = None):
        super().__init__(message)
        self.status, self.message, self.parameter, self.valid = status, message, parameter, valid


# -- closed lists ------------------------------------------------------------------------------

def alarm_levels() -> list[str]:
    from core.vocabulary import ALARM_LEVELS as LEVELS
    return list(LEVELS)


def alarm_statuses() -> list[str]:
    from core.vocabulary import STATUSES
    return list(STATUSES)


def areas() -> list[str]:
    from indicators.model import AREAS
    return list(AREAS)


def peer_groups() -> list[str]:
    return list(data.PEER_GROUPS)


def public_indicator_ids() -> list[str]:
    return [str(x) for x in data.indicators(public=True)["indicator_id"]]


# -- parameters --------------------------------------------------------------------------------

def _check_params(allowed: list[str]) -> None:
    """Every parameter must be one the endpoint documents: an unknown one (`_`-prefixed ones too,
    the cache-busting kind) is a 400 naming it, so no URL reaches the work or the caches unchecked."""
    for k in request.args:
        if k not in allowed:
            raise ApiError(400, f"unknown parameter {k!r}", k, sorted(allowed))


def _multi(name: str) -> list[str]:
    out: list[str] = []
    for v in request.args.getlist(name):
        out += [x.strip() for x in v.split(",") if x.strip()]
    if len(out) > MAX_IDS:
        raise ApiError(400, f"too many values for {name!r} (at most {MAX_IDS})", name)
    return list(dict.fromkeys(out))


def _choices(name: str, valid: list[str]) -> list[str]:
    vals = _multi(name)
    bad = [v for v in vals if v not in valid]
    if bad:
        raise ApiError(400, f"invalid value {bad[0]!r} for {name!r}", name, list(valid))
    return vals


def _one(name: str, valid: list[str], default: str) -> str:
    v = request.args.get(name, default).strip() or default
    if v not in valid:
        raise ApiError(400, f"invalid value {v!r} for {name!r}", name, list(valid))
    return v


def _int(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        v = int(raw.strip())
    except ValueError:
        raise ApiError(400, f"{name!r} must be an integer from {lo} to {hi}", name) from None
    if not lo <= v <= hi:
        raise ApiError(400, f"{name!r} must be an integer from {lo} to {hi}", name)
    return v


PERIOD_EXAMPLES = ["2021", "2024-Q4", "2020-W05", "2020-11-11", "2011/2021"]


def _period(name: str):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    from core.periods import parse_period
    try:
        return parse_period(raw)
    except (ValueError, OverflowError):
        raise ApiError(400, f"{name!r}: {raw!r} is not a period id (year, quarter, ISO week, date or range)",
                       name, PERIOD_EXAMPLES) from None


def _periods(name: str) -> list[str]:
    """A list of period ids (comma-separated or repeated), each checked like period_from."""
    from core.periods import parse_period
    vals = _multi(name)
    for raw in vals:
        try:
            parse_period(raw)
        except (ValueError, OverflowError):
            raise ApiError(400, f"{name!r}: {raw!r} is not a period id (year, quarter, ISO week, date or range)",
                           name, PERIOD_EXAMPLES) from None
    return vals


def _territories(name: str) -> list[str]:
    ids = _multi(name)
    if ids:
        valid = data.territory_ids()
        known = set(valid)
        bad = [x for x in ids if x not in known]
        if bad:
            raise ApiError(400, f"unknown territory {bad[0]!r} for {name!r} (see {API_PREFIX}/territories)",
                           name, valid)
    return ids


def _indicators(name: str) -> list[str]:
    ids = _multi(name)
    if ids:
        valid = public_indicator_ids()
        bad = [x for x in ids if x not in valid]
        if bad:
            raise ApiError(400, f"unknown indicator {bad[0]!r} for {name!r}", name, valid)
    return ids


@dataclass
class Page:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def _page() -> Page:
    return Page(_int("page", 1, 1, MAX_PAGE), _int("page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE))


FMT_PARAMS = ["format", "dialect", "lang", "page", "page_size"]


def _csv_options() -> dict:
    """The Excel dialect's language (lang=pt|en) and rounding rules (ignored by the tidy dialect)."""
    lang = _one("lang", ["pt", "en"], "pt")
    if request.args.get("dialect", "").strip() != "excel":
        return {"lang": lang}
    return {"lang": lang, "rules": data.excel_rules()}


# -- responses ---------------------------------------------------------------------------------

def _default(o):
    if o is None or o is pd.NA or o is pd.NaT:
        return None
    if isinstance(o, float) and math.isnan(o):
        return None
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def dumps(obj) -> bytes:
    return orjson.dumps(obj, default=_default, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def records(df: pd.DataFrame) -> list[dict]:
    """DataFrame -> list of dicts with plain Python values (NaN/NA -> None), fast."""
    names = [str(c) for c in df.columns]
    cols = [df[c].tolist() for c in df.columns]   # NaN -> null by orjson; pd.NA/NaT by _default
    return [dict(zip(names, r)) for r in zip(*cols)]


def build() -> dict:
    """The latest build's row, read once per request."""
    if "obs_build" not in g:
        g.obs_build = data.build_info()
    return g.obs_build


def is_demo() -> bool:
    try:
        return bool(build().get("is_demo", False))
    except Exception:  # noqa: BLE001 — no database (or a broken one): the error response says so
        return False


def meta() -> dict:
    b = build()
    demo = bool(b.get("is_demo", False))
    m = {"api_version": "v1", "run_id": b.get("run_id"), "built_at": export.built_at(b) or None,
         "is_demo": demo, "licence": LICENCE,
         "citation": export.citation(None, b, settings.env("OBS_BASE_URL").rstrip("/") + request.path),
         "docs": f"{API_PREFIX}/openapi.json"}
    if demo:
        m["notice"] = {"pt": export.DEMO_NOTICE_PT, "en": export.DEMO_NOTICE_EN}
    return m


def json_response(payload, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype="application/json")


def _url(**changes) -> str:
    args = request.args.to_dict(flat=False)
    for k, v in changes.items():
        args[k] = [str(v)]
    return request.path + "?" + urlencode(args, doseq=True)


def _pagination(p: Page, total: int) -> dict:
    pages = max(1, math.ceil(total / p.size)) if total else 1
    return {"page": p.page, "page_size": p.size, "total": total, "pages": pages, "links": {
        "self": _url(page=p.page), "first": _url(page=1), "last": _url(page=pages),
        "prev": _url(page=p.page - 1) if p.page > 1 else None,
        "next": _url(page=p.page + 1) if p.page < pages else None}}


def listing(df: pd.DataFrame, total: int, p: Page, name: str, rows_fn=None, table=None) -> Response:
    """One page of rows as the JSON envelope or CSV (format=csv), with pagination headers.

    `table` = (column names, row tuples) instead of `df` writes the CSV without pandas (same bytes)."""
    fmt = _one("format", ["json", "csv"], "json")
    dialect = _one("dialect", list(export.DIALECTS), "tidy")
    opts = _csv_options()
    pag = _pagination(p, total)
    if fmt == "csv":
        if table is not None:
            body = export.rows_to_csv(*table, dialect, demo=is_demo(), **opts)
        else:
            body = export.to_csv(df, dialect, demo=is_demo(), **opts)
        resp = Response(body, mimetype="text/csv")
        resp.headers["Content-Type"] = "text/csv; charset=utf-8"
        resp.headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
    else:
        rows = rows_fn(df) if rows_fn else records(df)
        resp = json_response({"data": rows, "pagination": pag, "meta": meta()})
    resp.headers["X-Total-Count"] = str(total)
    links = [f'<{pag["links"][k]}>; rel="{k}"' for k in ("first", "prev", "next", "last") if pag["links"][k]]
    resp.headers["Link"] = ", ".join(links)
    return resp


def _slice(df: pd.DataFrame, p: Page) -> pd.DataFrame:
    return df.iloc[p.offset:p.offset + p.size]


def error_response(status: int, message: str, parameter: str | None = None, valid: list | None = None):
    return json_response({"error": {"status": status, "message": message, "parameter": parameter,
                                    "valid": valid}}, status)


# -- hooks: ETag / 304, headers, errors ----------------------------------------------------------

#: the API's responses, kept per worker in a cache bounded in bytes (issue 9 item 1): at most
#: memcache.RESPONSE_CACHE_MAX_BYTES in all, none over memcache.RESPONSE_ENTRY_MAX_BYTES; keyed by
#: this request's database version (read once per request, serving.data.version) and the URL
RESPONSE_CACHE_MAX_BYTES = memcache.RESPONSE_CACHE_MAX_BYTES
RESPONSE_ENTRY_MAX_BYTES = memcache.RESPONSE_ENTRY_MAX_BYTES
response_cache = memcache.ByteCache(RESPONSE_CACHE_MAX_BYTES, RESPONSE_ENTRY_MAX_BYTES,
                                    timeout=int(settings.env("OBS_CACHE_TIMEOUT")))
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "X-Total-Count", "Link")


def _etag() -> str | None:
    try:
        run = build().get("run_id", "")
    except Exception:  # noqa: BLE001 — no database: no ETag
        return None
    return hashlib.sha1(f"{run}|{request.full_path}".encode()).hexdigest()


def _response_key() -> str:
    return "api:" + hashlib.sha1(f"{data.version()}|{request.full_path}".encode()).hexdigest()


def _before():
    if len(request.full_path) > MAX_URL_LENGTH:
        raise ApiError(414, f"the URL is longer than {MAX_URL_LENGTH} characters: ask for fewer ids per "
                            f"request (at most {MAX_IDS} per parameter) or page through the results")
    if request.method not in ("GET", "HEAD"):
        return None
    g.obs_etag = _etag()
    # `If-None-Match: *` means "any current representation": only the view knows whether there is one
    # (an unknown id is a 404), so it is answered after the view (_after)
    if g.obs_etag and not request.if_none_match.star_tag and g.obs_etag in request.if_none_match:
        g.obs_cached = True
        resp = Response(status=304)
        resp.set_etag(g.obs_etag)
        return resp   # after_request hooks still run
    if g.obs_etag and request.blueprint == bp.name and request.endpoint != f"{bp.name}.index":
        hit = response_cache.get(_response_key())
        if hit is not None:
            body, headers = hit
            resp = Response(body, headers=headers)
            g.obs_cached = True
            return resp
    return None


def _after(resp: Response) -> Response:
    if (getattr(g, "obs_etag", None) and resp.status_code == 200 and request.blueprint == bp.name
            and request.endpoint != f"{bp.name}.index" and not g.get("obs_cached") and not resp.is_streamed):
        body = resp.get_data()
        try:
            response_cache.set(_response_key(), (body, {h: resp.headers[h] for h in _KEPT_HEADERS
                                                        if h in resp.headers}), size=len(body) + 512)
        except Exception:  # noqa: BLE001 — a cache failure only costs the work next time
            pass
    if is_demo():
        resp.headers["X-Observatorio-Demo"] = "true"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    etag = getattr(g, "obs_etag", None)
    if resp.status_code == 200 and request.if_none_match.star_tag and request.method in ("GET", "HEAD"):
        resp = Response(status=304, headers={k: v for k, v in resp.headers.items()
                                             if k.lower() not in ("content-length", "content-type")})
        if etag and "ETag" not in resp.headers:
            resp.set_etag(etag)
        return resp
    if etag and resp.status_code == 200:
        if "ETag" not in resp.headers:     # a file download keeps send_file's ETag (file + build)
            resp.set_etag(etag)
        resp.headers["Cache-Control"] = "public, max-age=300"
    elif resp.status_code >= 400:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _api_error(e: ApiError):
    return error_response(e.status, e.message, e.parameter, e.valid)


def _http_error(e: HTTPException):
    resp = error_response(e.code or 500, e.description or e.name)
    if e.code == 405 and getattr(e, "valid_methods", None):
        resp.headers["Allow"] = ", ".join(e.valid_methods)
    return resp


def _is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith((API_PREFIX + "/", "/download/")) or path == "/download"


def _app_http_error(e: HTTPException):
    """Errors raised before a blueprint is chosen (routing: 404, 405; 414) on API and download
    paths are JSON like every other API error; elsewhere the app's own handling stands."""
    if _is_api_path(request.path):
        resp = _http_error(e)
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "no-store"
        return resp
    return e


def _any_error(e: Exception):
    if isinstance(e, HTTPException):
        return _http_error(e)
    if isinstance(e, data.NoDatabase):
        return error_response(503, "the database is not built yet")
    current_app.logger.exception("API error on %s", request.full_path)
    return error_response(500, "internal error")


for _bp in (bp, dl):
    _bp.before_request(_before)
    _bp.after_request(_after)
    _bp.register_error_handler(ApiError, _api_error)
    _bp.register_error_handler(Exception, _any_error)


# -- API: index and OpenAPI ------------------------------------------------------------------

def openapi_document() -> dict:
    try:
        levels = data.levels()
    except data.NoDatabase:
        levels = []
    return openapi.document(levels=levels or ["pais", "nuts1", "nuts2", "nuts3", "municipio"], areas=areas(),
                            alarm_levels=alarm_levels(), statuses=alarm_statuses(), peer_groups=peer_groups())


@bp.get("/openapi.json")
def openapi_json():
    _check_params([])
    return json_response(openapi_document())


EXAMPLE_INDICATOR = "indice_envelhecimento"


def example_indicator() -> str | None:
    """The indicator the index's examples use: indice_envelhecimento while it is public, else the
    first public indicator (a restricted one is never linked), None with no public indicator."""
    try:
        ids = public_indicator_ids()
    except data.NoDatabase:
        return EXAMPLE_INDICATOR
    if EXAMPLE_INDICATOR in ids:
        return EXAMPLE_INDICATOR
    return ids[0] if ids else None


def endpoints() -> list[tuple[str, str]]:
    """The index's links: (url, description pt / en)."""
    ind = example_indicator()
    out = [("/api/docs", "Documentação para pessoas / documentation for people"),
           ("/api/v1/openapi.json", "Documento OpenAPI 3.1 / OpenAPI document"),
           ("/api/v1/indicators", "Indicadores públicos / public indicators")]
    if ind:
        out += [(f"/api/v1/indicators/{ind}", "Metadados de um indicador / one indicator's metadata"),
                (f"/api/v1/values?indicator={ind}&level=municipio&period_from=2015",
                 "Valores / values (indicator, territory, level, period_from, period_to, format=csv)")]
    out += [("/api/v1/territories?level=nuts3", "Territórios / territories"),
            ("/api/v1/territories/0101", "Um território / one territory"),
            ("/api/v1/alarms?level=critico", "Alarmes / alarms (territory, level, status, area)"),
            ("/api/v1/peers/0101", "Pares de um município / a municipality's peers")]
    if ind:
        out += [(f"/download/indicador/{ind}.zip", "ZIP: CSV + metadata.json + LEIA-ME"),
                (f"/download/indicador/{ind}.csv?dialect=excel", "CSV para Excel (PT) / CSV for Excel")]
    out += [("/download/territorio/0101.zip", "Todos os indicadores de um território / all of a territory's indicators")]
    return out


@bp.get("/")
def index():
    """The endpoint list as JSON; a browser (Accept: text/html) is sent to the documentation page."""
    _check_params(["format", "lang"])
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if best == "text/html" and request.args.get("format") != "json":
        lang = "?lang=en" if request.args.get("lang") == "en" else ""
        resp = redirect(apidocs.DOCS_PATH + lang, 302)
        resp.vary.add("Accept")
        return resp
    resp = json_response({"data": [{"url": u, "description": d} for u, d in endpoints()], "meta": meta()})
    resp.vary.add("Accept")
    return resp


# -- API: indicators -----------------------------------------------------------------------------

def _indicator_links(iid: str) -> dict:
    return {"self": f"{API_PREFIX}/indicators/{iid}", "values": f"{API_PREFIX}/values?indicator={iid}",
            "csv": f"/download/indicador/{iid}.csv", "zip": f"/download/indicador/{iid}.zip"}


def _indicator_summary(df: pd.DataFrame) -> list[dict]:
    out = []
    for r in records(df):
        out.append({"id": r["indicator_id"], "title": {"pt": r["title_pt"], "en": r["title_en"]},
                    "unit": {"pt": r["unit_pt"], "en": r["unit_en"]}, "short_unit": r["short_unit"],
                    "decimals": r["decimals"], "area": r["area"], "polarity": r["polarity"],
                    "aggregation": r["aggregation"], "periodicity": r["periodicity"],
                    "levels": [x for x in (r["levels"] or "").split(",") if x], "headline": r["headline"],
                    "links": _indicator_links(r["indicator_id"])})
    return out


@bp.get("/indicators")
def indicators_list():
    _check_params(["area"] + FMT_PARAMS)
    sel = _choices("area", areas())
    p = _page()
    df = data.indicators(public=True)
    df = df[df["visibility"] == "public"]
    if sel:
        df = df[df["area"].isin(sel)]
    total = len(df)
    page = _slice(df, p)
    if request.args.get("format") == "csv":
        page = page.drop(columns=["meta_json", "visibility"])
    return listing(page, total, p, "indicators", _indicator_summary)


def _indicator_or_404(iid: str) -> dict:
    row = data.indicator(iid, public=True)
    if row is None or row.get("visibility") != "public":
        raise ApiError(404, f"unknown indicator {iid!r} (see {API_PREFIX}/indicators)", "indicator_id")
    return row


def _meta_of(row: dict) -> dict:
    return orjson.loads(row["meta_json"])


@bp.get("/indicators/<indicator_id>")
def indicator_detail(indicator_id):
    _check_params([])
    row = _indicator_or_404(indicator_id)
    m = export.public_meta(_meta_of(row))
    per = [str(x) for x in data.periods(indicator_id)["period_id"]]
    cov = data.indicator_coverage(indicator_id)
    b = build()
    url = settings.env("OBS_BASE_URL").rstrip("/") + f"{API_PREFIX}/indicators/{indicator_id}"
    m["coverage"] = {"n_values": cov["n_values"], "values_by_level": cov["levels"], "periods": per,
                     "first_period": per[0] if per else None, "last_period": per[-1] if per else None,
                     "breaks": cov["breaks"]}
    full = _meta_of(row)
    m["citation"] = {"pt": export.citation(full, b, url, "pt"), "en": export.citation(full, b, url, "en")}
    m["links"] = _indicator_links(indicator_id)
    return json_response({"data": m, "meta": meta()})


# -- API: values -----------------------------------------------------------------------------------

def _range(pfrom, pto) -> tuple[date | None, date | None]:
    return (pfrom.start_date if pfrom else None, pto.end_date if pto else None)


@bp.get("/values")
def values():
    _check_params(["indicator", "territory", "level", "period", "period_from", "period_to"] + FMT_PARAMS)
    inds = _indicators("indicator")
    ters = _territories("territory")
    levels = _choices("level", data.levels())
    periods = _periods("period")
    start, end = _range(_period("period_from"), _period("period_to"))
    p = _page()
    _one("format", ["json", "csv"], "json")
    _one("dialect", list(export.DIALECTS), "tidy")
    args = (inds or None, ters or None, levels or None, periods or None, start, end)
    if request.args.get("format", "json").strip() == "csv":
        cols, rows, total = data.fact_table(*args, limit=p.size, offset=p.offset)
        return listing(None, total, p, "values", table=(cols, rows))
    rows, total = data.fact_records(*args, limit=p.size, offset=p.offset)
    return listing(None, total, p, "values", lambda _: rows)


# -- API: territories ------------------------------------------------------------------------------

def _territory_links(tid: str) -> dict:
    return {"self": f"{API_PREFIX}/territories/{tid}", "values": f"{API_PREFIX}/values?territory={tid}",
            "csv": f"/download/territorio/{tid}.csv", "zip": f"/download/territorio/{tid}.zip"}


def _territory_rows(df: pd.DataFrame) -> list[dict]:
    rows = records(df)
    for r in rows:
        r["links"] = _territory_links(r["territory_id"])
    return rows


@bp.get("/territories")
def territories_list():
    _check_params(["level", "parent"] + FMT_PARAMS)
    levels = _choices("level", data.levels())
    parent = request.args.get("parent", "").strip()
    p = _page()
    df = data.territories(levels or None)
    if parent:
        if data.territory(parent) is None:
            raise ApiError(400, f"unknown territory {parent!r} for 'parent'", "parent", data.territory_ids())
        df = df[df["parent_id"] == parent]
    df = df[[c for c in TERRITORY_COLUMNS if c in df.columns]]
    return listing(_slice(df, p), len(df), p, "territories", _territory_rows)


@bp.get("/territories/<territory_id>")
def territory_detail(territory_id):
    _check_params([])
    row = data.territory(territory_id)
    if row is None:
        raise ApiError(404, f"unknown territory {territory_id!r} (see {API_PREFIX}/territories)", "territory_id")
    out = {k: row.get(k) for k in TERRITORY_COLUMNS}
    out = records(pd.DataFrame([out]))[0]
    kids = data.territories()
    kids = kids[kids["parent_id"] == territory_id]
    out["children"] = [str(x) for x in kids["territory_id"]]
    out["links"] = _territory_links(territory_id)
    if row["level"] == "municipio":
        out["links"]["peers"] = f"{API_PREFIX}/peers/{territory_id}"
    return json_response({"data": out, "meta": meta()})


# -- API: alarms and peers -------------------------------------------------------------------------

#: `scope` of /alarms: API name -> serving.data scope. Default: active (core.alarm_rules.is_active), as on
#: every page; history = resolved or of a discontinued or stale series.
ALARM_SCOPES = {"active": "ativos", "history": "historico", "all": "todos"}


@bp.get("/alarms")
def alarms_list():
    _check_params(["territory", "level", "territory_level", "status", "area", "indicator", "scope"] + FMT_PARAMS)
    ters = _territories("territory")
    lv = _choices("level", alarm_levels())
    tlv = _choices("territory_level", data.levels())
    st = _choices("status", alarm_statuses())
    ar = _choices("area", areas())
    inds = _indicators("indicator")
    scope = _one("scope", list(ALARM_SCOPES), "active")
    if scope == "active" and "resolved" in st:
        raise ApiError(400, "status 'resolved' is never active: add scope=history or scope=all", "scope",
                       ["history", "all"])
    p = _page()
    df = data.alarms(territory_ids=ters or None, indicator_ids=inds or None, areas=ar or None,
                     levels=lv or None, statuses=st or None, scope=ALARM_SCOPES[scope])
    df = df[df["indicator_id"].isin(public_indicator_ids())]
    if tlv:
        df = df[df["territory_level"].isin(tlv)]
    df = df[[c for c in ALARM_COLUMNS if c in df.columns]]
    df.columns = [str(c) for c in df.columns]
    return listing(_slice(df, p), len(df), p, "alarms")


@bp.get("/peers/<territory_id>")
def peers_detail(territory_id):
    _check_params(["group", "indicator"])
    row = data.territory(territory_id)
    if row is None or row["level"] != "municipio":
        raise ApiError(404, f"unknown municipality {territory_id!r}: peer groups are defined for "
                            f"municipalities (DICO, e.g. 0101)", "territory_id")
    groups = _choices("group", peer_groups())
    ind = request.args.get("indicator", "").strip()
    if ind and ind not in public_indicator_ids():
        raise ApiError(400, f"unknown indicator {ind!r} for 'indicator'", "indicator", public_indicator_ids())
    public = set(public_indicator_ids())
    out = []
    for gt in groups or data.peer_groups(territory_id):
        peers = data.peers(territory_id, gt)
        item = {"group_type": gt, "peers": records(peers)}
        if ind:
            pos = data.peer_positions(territory_id, gt)
            pos = pos[(pos["indicator_id"] == ind) & pos["indicator_id"].isin(public)]
            item["positions"] = records(pos)
        out.append(item)
    return json_response({"data": {"territory_id": territory_id, "name": row["name"], "groups": out},
                          "meta": meta()})


@bp.route("/<path:rest>")
def api_not_found(rest):
    raise ApiError(404, f"no such resource: {API_PREFIX}/{rest} (see {API_PREFIX}/openapi.json)")


# -- downloads -------------------------------------------------------------------------------------

def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-")[:80]


def _attachment(body: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    if mimetype == "text/csv":
        resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _breaks(df: pd.DataFrame) -> list[dict]:
    if not len(df):
        return []
    b = df[df["is_break"].astype(bool)]
    return records(b[["indicator_id", "territory_id", "period_id"]])


def _indicator_download(indicator_id: str, rows: bool = True):
    """Row, rows (when `rows`), stem, filters of an indicator download: the whole indicator, or what is
    on screen. Every parameter is checked before any work."""
    _check_params(["dialect", "level", "period", "territories", "lang"])
    row = _indicator_or_404(indicator_id)
    level = request.args.get("level", "").strip()
    if level and level not in data.levels():
        raise ApiError(400, f"invalid value {level!r} for 'level'", "level", data.levels())
    period = request.args.get("period", "").strip()
    if period:
        valid = [str(x) for x in data.periods(indicator_id)["period_id"]]
        if period not in valid:
            raise ApiError(400, f"indicator {indicator_id!r} has no period {period!r}", "period", valid)
    ters = _territories("territories")
    _lang()
    filters = {"level": level or None, "period": period or None, "territories": ters or None}
    stem = "_".join([indicator_id] + [_safe(x) for x in (level, period) if x] + (["selecao"] if ters else []))
    df = _indicator_rows(indicator_id, filters) if rows else None
    return row, df, stem, filters


def _indicator_rows(indicator_id: str, filters: dict) -> pd.DataFrame:
    level, period = filters["level"], filters["period"]
    df, _ = data.fact_rows([indicator_id], filters["territories"], [level] if level else None,
                           [period] if period else None)
    return df


def _zip_bytes(kind: str, subject: dict, metas: list[dict], df: pd.DataFrame, stem: str, filters: dict) -> bytes:
    b = build()
    demo = bool(b.get("is_demo", False))
    # the URL of what is in the package: the path and the parameters that shape it (not the caller's spelling)
    shaping = {k: request.args.get(k, "").strip() for k in ("level", "period", "territories", "lang")}
    query = urlencode({k: v for k, v in shaping.items() if v and not (k == "lang" and v == "pt")})
    url = settings.env("OBS_BASE_URL").rstrip("/") + request.path + (f"?{query}" if query else "")
    files = [f"{stem}.csv", f"{stem}_excel.csv", "metadata.json", "LEIA-ME.md"]
    rules = data.excel_rules()
    doc = export.metadata_document(kind=kind, subject=subject, indicators=metas, build=b, filters=filters,
                                   files=files, n_rows=len(df), breaks=_breaks(df), url=url, demo=demo,
                                   rules=rules)
    return export.zip_package(stem, df, doc, demo=demo, lang=_lang(), rules=rules)


# Whole downloads (no filter) are the same bytes for every request of a build: made once per build
# into a file (api.downloads) and sent with send_file (ETag, Last-Modified, Range, sendfile; HEAD
# reads nothing). Filtered downloads (what is on screen) are streamed in chunks of rows.

#: rows per chunk of a streamed (filtered) CSV
STREAM_ROWS = 20_000


def _send_whole(name: str, download_name: str, mimetype: str, produce) -> Response:
    got = downloads.file_for(str(build().get("run_id", "")), name, produce)
    if isinstance(got, (bytes, bytearray)):
        return _attachment(bytes(got), download_name, mimetype)
    resp = send_file(got, mimetype=mimetype, as_attachment=True, download_name=download_name,
                     conditional=True, etag=True, max_age=None)
    resp.headers["Accept-Ranges"] = "bytes"
    return resp


def _csv_chunks(df: pd.DataFrame, dialect: str, demo: bool, opts: dict):
    """The CSV of df in chunks of STREAM_ROWS rows: the first with the header row (and the Excel
    dialect's BOM), the others without: the same bytes as export.to_csv(df) in one piece."""
    n = len(df)
    if n <= STREAM_ROWS:
        yield export.to_csv(df, dialect, demo=demo, **opts)
        return
    for i in range(0, n, STREAM_ROWS):
        body = export.to_csv(df.iloc[i:i + STREAM_ROWS], dialect, demo=demo, **opts)
        if i:
            body = body[body.index(b"\n") + 1:]   # the header row (names only: no line breaks in it)
        yield body


def _streamed_csv(df: pd.DataFrame, dialect: str, filename: str) -> Response:
    opts, demo = _csv_options(), is_demo()   # read here: the generator runs after the view, without the request
    resp = Response(_csv_chunks(df, dialect, demo, opts), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _is_whole(filters: dict) -> bool:
    return not any(filters.values())


def _lang() -> str:
    return _one("lang", ["pt", "en"], "pt")


@dl.get("/indicador/<indicator_id>.csv")
def indicator_csv(indicator_id):
    dialect = _one("dialect", list(export.DIALECTS), "tidy")
    row, df, stem, filters = _indicator_download(indicator_id, rows=False)
    name = stem + ("_excel" if dialect == "excel" else "") + ".csv"
    if not _is_whole(filters):
        df = _indicator_rows(indicator_id, filters)
        return _streamed_csv(df, dialect, name)
    lang = _lang()
    file = f"indicador_{indicator_id}_{dialect}" + (f"_{lang}" if dialect == "excel" else "") + ".csv"

    def produce():
        return export.to_csv(_indicator_rows(indicator_id, filters), dialect, demo=is_demo(), **_csv_options())
    return _send_whole(file, name, "text/csv", produce)


@dl.get("/indicador/<indicator_id>.zip")
def indicator_zip(indicator_id):
    _one("dialect", list(export.DIALECTS), "tidy")
    row, _, stem, filters = _indicator_download(indicator_id, rows=False)
    m = _meta_of(row)
    lang = _lang()

    def produce():
        return _zip_bytes("indicator", {"id": indicator_id, "title": m["title"]}, [m],
                          _indicator_rows(indicator_id, filters), stem, filters)
    if not _is_whole(filters):
        return _attachment(produce(), f"{stem}.zip", "application/zip")
    return _send_whole(f"indicador_{indicator_id}_{lang}.zip", f"{stem}.zip", "application/zip", produce)


def _territory_download(territory_id: str):
    _check_params(["dialect", "lang"])
    row = data.territory(territory_id)
    if row is None:
        raise ApiError(404, f"unknown territory {territory_id!r} (see {API_PREFIX}/territories)", "territory_id")
    return row


def _territory_facts(territory_id: str) -> pd.DataFrame:
    df, _ = data.fact_rows(None, [territory_id])
    return df


@dl.get("/territorio/<territory_id>.csv")
def territory_csv(territory_id):
    dialect = _one("dialect", list(export.DIALECTS), "tidy")
    _territory_download(territory_id)
    lang = _lang()
    name = f"territorio_{_safe(territory_id)}" + ("_excel" if dialect == "excel" else "") + ".csv"
    file = f"territorio_{_safe(territory_id)}_{dialect}" + (f"_{lang}" if dialect == "excel" else "") + ".csv"

    def produce():
        return export.to_csv(_territory_facts(territory_id), dialect, demo=is_demo(), **_csv_options())
    return _send_whole(file, name, "text/csv", produce)


@dl.get("/territorio/<territory_id>.zip")
def territory_zip(territory_id):
    _one("dialect", list(export.DIALECTS), "tidy")
    row = _territory_download(territory_id)
    lang = _lang()

    def produce():
        df = _territory_facts(territory_id)
        inds = data.indicators(public=True)
        inds = inds[inds["indicator_id"].isin(set(df["indicator_id"]))]
        metas = [orjson.loads(x) for x in inds["meta_json"]]
        title = {"pt": f"{row['name']} — todos os indicadores públicos",
                 "en": f"{row['name']} — all public indicators"}
        return _zip_bytes("territory", {"id": territory_id, "name": row["name"], "level": row["level"],
                                        "title": title},
                          metas, df, f"territorio_{_safe(territory_id)}", {"territory": territory_id})
    stem = f"territorio_{_safe(territory_id)}"
    return _send_whole(f"{stem}_{lang}.zip", f"{stem}.zip", "application/zip", produce)


@dl.get("/")
def download_index():
    raise ApiError(404, "no such download: /download/ lists nothing; see the `links` of "
                        f"{API_PREFIX}/indicators and {API_PREFIX}/territories, or {apidocs.DOCS_PATH}")


@dl.route("/<path:rest>")
def download_not_found(rest):
    raise ApiError(404, f"no such download: /download/{rest}")


# -- registration ----------------------------------------------------------------------------------

def init_app(server):
    """Register the API and download blueprints on the Flask server (and the query cache if needed)."""
    if data.cache not in server.extensions.get("cache", {}):
        data.cache.init_app(server)
    if "api_v1" not in server.blueprints:
        server.register_blueprint(bp)
        server.register_blueprint(dl)
        server.register_blueprint(apidocs.docs)
        # routing errors happen before a blueprint is chosen: JSON on API/download paths only
        for code in (405, 414):
            server.register_error_handler(code, _app_http_error)
        server.before_request(_api_path_guard)
    return server


def _api_path_guard():
    """Before routing's effects reach a view: an API or download URL with an empty path segment
    (`/api/v1//indicators`, which Werkzeug would redirect) or over MAX_URL_LENGTH is a JSON error."""
    path = request.path
    if not _is_api_path(path):
        return None
    if len(request.full_path) > MAX_URL_LENGTH:
        return _app_http_error(RequestURITooLarge(
            f"the URL is longer than {MAX_URL_LENGTH} characters: ask for fewer ids per request "
            f"(at most {MAX_IDS} per parameter) or page through the results"))
    if path == API_PREFIX:   # relative, not Werkzeug's absolute redirect built from the Host header
        resp = redirect(API_PREFIX + "/" + (f"?{request.query_string.decode('latin-1')}" if request.query_string else ""), 308)
        resp.autocorrect_location_header = False
        return resp
    if path == "/download":
        return _app_http_error(NotFound(f"no such download: /download; see the `links` of {API_PREFIX}/indicators"))
    if "//" in path:
        resp = error_response(404, f"no such resource: {path} (empty path segment; see {API_PREFIX}/openapi.json)")
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Cache-Control"] = "no-store"
        return resp
    return None
