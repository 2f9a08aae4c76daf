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
import sys
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

import orjson
import pandas as pd
from flask import Blueprint, Response, current_app, g, redirect, request, send_file
from pydantic import AfterValidator, Field
from werkzeug.exceptions import HTTPException, NotFound, RequestURITooLarge

from core import settings
from api import apidocs, downloads, export, openapi, params, simulate, surveillance
from api import targets as targets_api   # issue 11: /targets endpoints
from api.params import INDICATOR, LEVEL, MAX_IDS, TERRITORY, ApiError, Ids, Params
from serving import data, memcache

API_PREFIX = "/api/v1"
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
                 "explanation_pt", "explanation_en", "sentence_pt", "sentence_en",
                 "origin", "synthetic", "observed_at"]  # issue 13: live alarms (origin "live"; build: "build")

# -- parameters: declared once in api.params (models), read by the router and the OpenAPI document --

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


public_indicator_ids = params.public_indicator_ids
PERIOD_EXAMPLES = params.PERIOD_EXAMPLES

TerritoryIds = Ids(TERRITORY, "Territory id(s), comma-separated.", examples=[["0101", "PT"]])
IndicatorIds = Ids(INDICATOR, "Indicator id(s), comma-separated.", examples=[["indice_envelhecimento"]])
Levels = Ids(LEVEL, "Territorial level(s).", examples=[["municipio"]])


class IndexQuery(Params):
    format: Literal["json"] | None = Field(None, description="json: the endpoint list as JSON even for a browser "
                                           "(which is otherwise sent to /api/docs).", examples=["json"])
    lang: params.Lang = Field("pt", description="Language of the documentation page a browser is sent to.")


class IndicatorsQuery(params.Listing):
    area: Ids(None, "Policy area(s).", item=params.Area, examples=[["demografia"]]) = []


class ValuesQuery(params.Listing):
    indicator: IndicatorIds = []
    territory: TerritoryIds = []
    level: Levels = []
    period: params.Periods = []
    period_from: params.Period("First period (inclusive).", ["2015"]) = None
    period_to: params.Period("Last period (inclusive).", ["2020"]) = None


class TerritoriesQuery(params.Listing):
    level: Levels = []
    parent: Annotated[str | None, Field(pattern=params.TERRITORY_PATTERN, description="Parent territory id.",
                                        examples=["PT1"]), AfterValidator(TERRITORY)] = None


class AlarmsQuery(params.Listing):
    scope: Literal["active", "history", "all"] = Field(
        "active", description="Which alarms: active (default; status not resolved and series current), "
        "history (resolved, or of a discontinued or stale series) or all. status=resolved needs history or all.")
    territory: TerritoryIds = []
    level: Ids(None, "Alarm level(s) (severity).", item=params.AlarmLevel, examples=[["critico"]]) = []
    territory_level: Ids(LEVEL, "Territorial level(s) of the alarmed territory.", examples=[["municipio"]]) = []
    status: Ids(None, "Alarm status(es).", item=params.AlarmStatus, examples=[["new", "ongoing"]]) = []
    area: Ids(None, "Policy area(s) of the indicator.", item=params.Area, examples=[["demografia"]]) = []
    indicator: IndicatorIds = []


class PeersQuery(Params):
    group: Ids(None, "Peer group type(s).", item=params.PeerGroup, examples=[["nuts3"]]) = []
    indicator: Annotated[str | None, Field(pattern=params.INDICATOR_PATTERN, description=(
        "With an indicator id: the municipality's position among its peers for that indicator."),
        examples=["indice_envelhecimento"]), AfterValidator(INDICATOR)] = None


class TerritoryDownloadQuery(Params):
    dialect: params.Dialect = Field("tidy", description="CSV dialect: tidy (for programs) or excel (for Excel "
                                    "in Portugal).")
    lang: params.Lang = Field("pt", description=params.LANG_DESCRIPTION)


class IndicatorDownloadQuery(TerritoryDownloadQuery):
    level: Annotated[str | None, Field(description="Territorial level (what is on screen). No filter: the whole "
                                       "indicator.", examples=["municipio"]), AfterValidator(LEVEL)] = None
    period: Annotated[str | None, Field(max_length=40, description="One period id of the indicator (what is on "
                                        "screen).", examples=["2011"])] = None
    territories: Ids(TERRITORY, "Territory ids, comma-separated (what is on screen).", examples=[["0101"]]) = []


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


def _csv_options(q) -> dict:
    """The Excel dialect's language (lang=pt|en) and rounding rules (ignored by the tidy dialect)."""
    if q.dialect != "excel":
        return {"lang": q.lang}
    return {"lang": q.lang, "rules": data.excel_rules()}


def _pagination(p: params.Paged, total: int) -> dict:
    pages = max(1, math.ceil(total / p.page_size)) if total else 1
    return {"page": p.page, "page_size": p.page_size, "total": total, "pages": pages, "links": {
        "self": _url(page=p.page), "first": _url(page=1), "last": _url(page=pages),
        "prev": _url(page=p.page - 1) if p.page > 1 else None,
        "next": _url(page=p.page + 1) if p.page < pages else None}}


def listing(q: params.Listing, df: pd.DataFrame | None, total: int, name: str, rows_fn=None,
            table=None) -> Response:
    """One page of rows as the JSON envelope or CSV (q.format == "csv"), with pagination headers.

    `table` = (column names, row tuples) instead of `df` writes the CSV without pandas (same bytes)."""
    dialect = q.dialect
    opts = _csv_options(q)
    pag = _pagination(q, total)
    if q.format == "csv":
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


def _slice(df: pd.DataFrame, p: params.Paged) -> pd.DataFrame:
    return df.iloc[p.offset:p.offset + p.page_size]


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
    return hashlib.sha1(f"{run}|{_live()}|{request.full_path}".encode()).hexdigest()


def _live() -> str:
    """issue 13: the version of the live alarms (serving.data's registered sources) for the alarm list."""
    return data.alarm_sources_version() if request.endpoint == f"{bp.name}.alarms_list" else ""


def _response_key() -> str:
    return "api:" + hashlib.sha1(f"{data.version()}|{_live()}|{request.full_path}".encode()).hexdigest()


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
    return openapi.document()


@params.endpoint(bp, "/openapi.json", operation_id="getOpenApi", tags=["index"],
                 summary=("Este documento OpenAPI 3.1", "This OpenAPI 3.1 document"),
                 description=("O documento que descreve a API, gerado das mesmas declarações com que a API verifica "
                              "os parâmetros; a documentação para pessoas está em /api/docs.",
                              "The document describing the API, generated from the declarations the API checks "
                              "parameters with; the documentation for people is at /api/docs."),
                 ok=openapi.json_ok({"type": "object", "required": ["openapi", "paths"]}))
def openapi_json():
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


_INDEX_ITEM = {"type": "object", "required": ["url", "description"],
               "properties": {"url": {"type": "string"}, "description": {"type": "string"}}}


@params.endpoint(bp, "/", operation_id="getIndex", tags=["index"], query=IndexQuery,
                 summary=("Índice da API", "The API's index"),
                 description=("A lista dos endpoints com exemplos, em JSON; um navegador (Accept: text/html) é "
                              "enviado para a documentação para pessoas, /api/docs, salvo com format=json.",
                              "The list of endpoints with examples, as JSON; a browser (Accept: text/html) is sent "
                              "to the documentation for people, /api/docs, unless format=json."),
                 ok=openapi.json_ok(openapi._envelope({"type": "array", "items": _INDEX_ITEM}, False)),
                 responses={"302": {"description": "A browser (Accept: text/html) is sent to /api/docs"}})
def index(q: IndexQuery):
    """The endpoint list as JSON; a browser (Accept: text/html) is sent to the documentation page."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if best == "text/html" and q.format != "json":
        lang = "?lang=en" if q.lang == "en" else ""
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


@params.endpoint(bp, "/indicators", operation_id="listIndicators", tags=["indicators"], query=IndicatorsQuery,
                 summary=("Indicadores públicos", "Public indicators"),
                 description=(
    "Lista dos indicadores públicos com título, unidade, casas decimais, área de política, polaridade, "
    "regra de agregação, periodicidade e níveis territoriais; filtre por área.",
    "The public indicators with title, unit, decimals, policy area, polarity, aggregation rule, periodicity "
    "and territorial levels; filter by area."), ok=openapi.listing_ok("IndicatorSummary"))
def indicators_list(q: IndicatorsQuery):
    df = data.indicators(public=True)
    df = df[df["visibility"] == "public"]
    if q.area:
        df = df[df["area"].isin(q.area)]
    total = len(df)
    page = _slice(df, q)
    if q.format == "csv":
        page = page.drop(columns=["meta_json", "visibility"])
    return listing(q, page, total, "indicators", _indicator_summary)


def _indicator_or_404(iid: str) -> dict:
    row = data.indicator(iid, public=True)
    if row is None or row.get("visibility") != "public":
        raise ApiError(404, f"unknown indicator {iid!r} (see {API_PREFIX}/indicators)", "indicator_id")
    return row


def _meta_of(row: dict) -> dict:
    return orjson.loads(row["meta_json"])


@params.endpoint(bp, "/indicators/<indicator_id>", operation_id="getIndicator", tags=["indicators"],
                 path=params.IndicatorPath,
                 summary=("Um indicador: metadados, fontes, cobertura", "One indicator: metadata, sources, coverage"),
                 description=(
    "Definição, unidade, fontes (produtor, licença, endereço), advertências, limiares de alarme, quebras de "
    "série, cobertura (valores por nível, períodos) e como citar.",
    "Definition, unit, sources (producer, licence, URL), caveats, alarm thresholds, breaks in series, "
    "coverage (values per level, periods) and how to cite."), ok=openapi.detail_ok("Indicator"))
def indicator_detail(indicator_id):
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

def _range(q: ValuesQuery) -> tuple[date | None, date | None]:
    from core.periods import parse_period
    return (parse_period(q.period_from).start_date if q.period_from else None,
            parse_period(q.period_to).end_date if q.period_to else None)


@params.endpoint(bp, "/values", operation_id="listValues", tags=["values"], query=ValuesQuery,
                 summary=("Valores (linhas tidy), filtrados e paginados", "Values (tidy rows), filtered and paginated"),
                 description=(
    "Um valor por indicador, território e período, com numerador e denominador dos rácios, marcas de valor "
    "provisório, estimado e quebra de série, e a origem (fonte, agregado, calculado). Filtre por indicador, "
    "território, nível territorial e um intervalo de períodos: period_from/period_to aceitam qualquer "
    "período (2015, 2024-Q4, 2020-W05, 2020-11-11, 2011/2021) e ficam os valores cujo período começa em ou "
    "depois de period_from e acaba em ou antes de period_to.",
    "One value per indicator, territory and period, with the numerator and denominator of ratios, "
    "provisional, estimated and break-in-series flags, and the origin (source, aggregated, derived). Filter by "
    "indicator, territory, territorial level and a period range: period_from/period_to take any period id "
    "(2015, 2024-Q4, 2020-W05, 2020-11-11, 2011/2021); values whose period starts on/after period_from and "
    "ends on/before period_to are kept."), ok=openapi.listing_ok("Value"))
def values(q: ValuesQuery):
    start, end = _range(q)
    args = (q.indicator or None, q.territory or None, q.level or None, q.period or None, start, end)
    if q.format == "csv":
        cols, rows, total = data.fact_table(*args, limit=q.page_size, offset=q.offset)
        return listing(q, None, total, "values", table=(cols, rows))
    rows, total = data.fact_records(*args, limit=q.page_size, offset=q.offset)
    return listing(q, None, total, "values", lambda _: rows)


# -- API: territories ------------------------------------------------------------------------------

def _territory_links(tid: str) -> dict:
    return {"self": f"{API_PREFIX}/territories/{tid}", "values": f"{API_PREFIX}/values?territory={tid}",
            "csv": f"/download/territorio/{tid}.csv", "zip": f"/download/territorio/{tid}.zip"}


def _territory_rows(df: pd.DataFrame) -> list[dict]:
    rows = records(df)
    for r in rows:
        r["links"] = _territory_links(r["territory_id"])
    return rows


@params.endpoint(bp, "/territories", operation_id="listTerritories", tags=["territories"], query=TerritoriesQuery,
                 summary=("Territórios", "Territories"),
                 description=(
    "Municípios (código DICO), NUTS III, NUTS II, NUTS I, o país, distritos e ilhas, CIM e áreas "
    "metropolitanas, com a hierarquia, a área e a população; filtre por nível ou pelo território de cima.",
    "Municipalities (DICO code), NUTS 3, NUTS 2, NUTS 1, the country, districts and islands, CIM and "
    "metropolitan areas, with their hierarchy, area and population; filter by level or by parent."),
                 ok=openapi.listing_ok("Territory"))
def territories_list(q: TerritoriesQuery):
    df = data.territories(q.level or None)
    if q.parent:
        df = df[df["parent_id"] == q.parent]
    df = df[[c for c in TERRITORY_COLUMNS if c in df.columns]]
    return listing(q, _slice(df, q), len(df), "territories", _territory_rows)


@params.endpoint(bp, "/territories/<territory_id>", operation_id="getTerritory", tags=["territories"],
                 path=params.TerritoryPath, summary=("Um território", "One territory"),
                 description=(
    "Um território com a sua hierarquia, os territórios que contém e ligações para os seus valores e "
    "downloads (e para os pares, num município).",
    "One territory with its hierarchy, the territories it contains and links to its values and downloads "
    "(and to its peers, for a municipality)."), ok=openapi.detail_ok("Territory"))
def territory_detail(territory_id):
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


@params.endpoint(bp, "/alarms", operation_id="listAlarms", tags=["alarms"], query=AlarmsQuery,
                 summary=("Alarmes dos indicadores públicos", "Alarms of public indicators"),
                 description=(
    "Os alarmes atuais: cada um com a regra, o limiar, o valor, a referência e uma frase que o explica em "
    "português e em inglês; filtre por território, gravidade, estado, área e indicador.",
    "The current alarms: each with its rule, threshold, value, reference and a sentence explaining it in "
    "Portuguese and English; filter by territory, severity, status, area and indicator."),
                 ok=openapi.listing_ok("Alarm"))
def alarms_list(q: AlarmsQuery):
    if q.scope == "active" and "resolved" in q.status:
        raise ApiError(400, "status 'resolved' is never active: add scope=history or scope=all", "scope",
                       ["history", "all"])
    df = data.alarms(territory_ids=q.territory or None, indicator_ids=q.indicator or None, areas=q.area or None,
                     levels=q.level or None, statuses=q.status or None, scope=ALARM_SCOPES[q.scope])
    df = df[df["indicator_id"].isin(public_indicator_ids()) | (df.get("origin", "") == "live")]  # issue 13: live alarms
    if q.territory_level:
        df = df[df["territory_level"].isin(q.territory_level)]
    df = df[[c for c in ALARM_COLUMNS if c in df.columns]]
    df.columns = [str(c) for c in df.columns]
    return listing(q, _slice(df, q), len(df), "alarms")


@params.endpoint(bp, "/peers/<territory_id>", operation_id="getPeers", tags=["peers"], query=PeersQuery,
                 path=params.MunicipalityPath, summary=("Pares de um município", "A municipality's peers"),
                 description=(
    "Os cinco grupos de pares de um município (NUTS III, CIM/AM, classe de dimensão, os 10 mais parecidos, "
    "vizinhos); com um indicador, a posição do município entre os pares.",
    "A municipality's five peer groups (NUTS 3, CIM/AM, size class, the 10 most similar, neighbours); with "
    "an indicator, the municipality's position among its peers."), ok=openapi.detail_ok("Peers"))
def peers_detail(q: PeersQuery, territory_id):
    row = data.territory(territory_id)
    if row is None or row["level"] != "municipio":
        raise ApiError(404, f"unknown municipality {territory_id!r}: peer groups are defined for "
                            f"municipalities (DICO, e.g. 0101)", "territory_id")
    ind = q.indicator
    public = set(public_indicator_ids())
    out = []
    for gt in q.group or data.peer_groups(territory_id):
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


def _indicator_download(indicator_id: str, q: IndicatorDownloadQuery, rows: bool = True):
    """Row, rows (when `rows`), stem, filters of an indicator download: the whole indicator, or what is
    on screen. Every parameter is checked (params.parse_query, then the period against the indicator's)
    before any work."""
    row = _indicator_or_404(indicator_id)
    level, period = q.level or "", q.period or ""
    if period:
        valid = [str(x) for x in data.periods(indicator_id)["period_id"]]
        if period not in valid:
            raise ApiError(400, f"indicator {indicator_id!r} has no period {period!r}", "period", valid)
    ters = q.territories
    filters = {"level": level or None, "period": period or None, "territories": ters or None}
    stem = "_".join([indicator_id] + [_safe(x) for x in (level, period) if x] + (["selecao"] if ters else []))
    df = _indicator_rows(indicator_id, filters) if rows else None
    return row, df, stem, filters


def _indicator_rows(indicator_id: str, filters: dict) -> pd.DataFrame:
    level, period = filters["level"], filters["period"]
    df, _ = data.fact_rows([indicator_id], filters["territories"], [level] if level else None,
                           [period] if period else None)
    return df


def _zip_bytes(q, kind: str, subject: dict, metas: list[dict], df: pd.DataFrame, stem: str,
               filters: dict) -> bytes:
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
    return export.zip_package(stem, df, doc, demo=demo, lang=q.lang, rules=rules)


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


def _streamed_csv(q, df: pd.DataFrame, dialect: str, filename: str) -> Response:
    opts, demo = _csv_options(q), is_demo()   # read here: the generator runs after the view, without the request
    resp = Response(_csv_chunks(df, dialect, demo, opts), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _is_whole(filters: dict) -> bool:
    return not any(filters.values())


@params.endpoint(dl, "/indicador/<indicator_id>.csv", operation_id="downloadIndicatorCsv", tags=["downloads"],
                 query=IndicatorDownloadQuery, path=params.IndicatorPath,
                 summary=("Descarregar um indicador em CSV", "Download one indicator as CSV"),
                 description=(
    "O indicador inteiro, ou o que está no ecrã (nível, período, territórios). dialect=excel abre no "
    "Excel em Portugal: cabeçalhos em português, sim/não, valores arredondados às casas decimais do "
    "indicador e numeradores/denominadores à precisão da fonte.",
    "The whole indicator, or what is on screen (level, period, territories). dialect=excel opens in Excel "
    "in Portugal: Portuguese headers, sim/não, values rounded to the indicator's decimals and "
    "numerators/denominators to the source's precision."), ok=openapi.file_ok("text/csv", "CSV (attachment)"))
def indicator_csv(q: IndicatorDownloadQuery, indicator_id):
    dialect = q.dialect
    row, df, stem, filters = _indicator_download(indicator_id, q, rows=False)
    name = stem + ("_excel" if dialect == "excel" else "") + ".csv"
    if not _is_whole(filters):
        df = _indicator_rows(indicator_id, filters)
        return _streamed_csv(q, df, dialect, name)
    lang = q.lang
    file = f"indicador_{indicator_id}_{dialect}" + (f"_{lang}" if dialect == "excel" else "") + ".csv"

    def produce():
        return export.to_csv(_indicator_rows(indicator_id, filters), dialect, demo=is_demo(), **_csv_options(q))
    return _send_whole(file, name, "text/csv", produce)


_ZIP_OK = openapi.file_ok("application/zip", "ZIP: tidy CSV, Excel CSV, metadata.json, LEIA-ME.md (pt-PT and English)")


@params.endpoint(dl, "/indicador/<indicator_id>.zip", operation_id="downloadIndicatorZip", tags=["downloads"],
                 query=IndicatorDownloadQuery, path=params.IndicatorPath,
                 summary=("Descarregar um indicador com metadados (ZIP)", "Download one indicator with its metadata (ZIP)"),
                 description=(
    "CSV tidy, CSV para Excel, metadata.json e LEIA-ME.md (português e inglês): fontes, licenças, "
    "advertências, quebras de série, colunas e como citar.",
    "Tidy CSV, Excel CSV, metadata.json and LEIA-ME.md (Portuguese and English): sources, licences, caveats, "
    "breaks in series, columns and how to cite."), ok=_ZIP_OK)
def indicator_zip(q: IndicatorDownloadQuery, indicator_id):
    row, _, stem, filters = _indicator_download(indicator_id, q, rows=False)
    m = _meta_of(row)
    lang = q.lang

    def produce():
        return _zip_bytes(q, "indicator", {"id": indicator_id, "title": m["title"]}, [m],
                          _indicator_rows(indicator_id, filters), stem, filters)
    if not _is_whole(filters):
        return _attachment(produce(), f"{stem}.zip", "application/zip")
    return _send_whole(f"indicador_{indicator_id}_{lang}.zip", f"{stem}.zip", "application/zip", produce)


def _territory_download(territory_id: str):
    row = data.territory(territory_id)
    if row is None:
        raise ApiError(404, f"unknown territory {territory_id!r} (see {API_PREFIX}/territories)", "territory_id")
    return row


def _territory_facts(territory_id: str) -> pd.DataFrame:
    df, _ = data.fact_rows(None, [territory_id])
    return df


@params.endpoint(dl, "/territorio/<territory_id>.csv", operation_id="downloadTerritoryCsv", tags=["downloads"],
                 query=TerritoryDownloadQuery, path=params.TerritoryPath,
                 summary=("Todos os indicadores de um território (CSV)", "Every public indicator of one territory (CSV)"),
                 description=("Todos os valores públicos de um território, de todos os indicadores e períodos.",
                              "Every public value of one territory, across indicators and periods."),
                 ok=openapi.file_ok("text/csv", "CSV (attachment)"))
def territory_csv(q: TerritoryDownloadQuery, territory_id):
    dialect, lang = q.dialect, q.lang
    _territory_download(territory_id)
    name = f"territorio_{_safe(territory_id)}" + ("_excel" if dialect == "excel" else "") + ".csv"
    file = f"territorio_{_safe(territory_id)}_{dialect}" + (f"_{lang}" if dialect == "excel" else "") + ".csv"

    def produce():
        return export.to_csv(_territory_facts(territory_id), dialect, demo=is_demo(), **_csv_options(q))
    return _send_whole(file, name, "text/csv", produce)


@params.endpoint(dl, "/territorio/<territory_id>.zip", operation_id="downloadTerritoryZip", tags=["downloads"],
                 query=TerritoryDownloadQuery, path=params.TerritoryPath,
                 summary=("Todos os indicadores de um território, com metadados (ZIP)",
                          "Every public indicator of one territory, with metadata (ZIP)"),
                 description=("Os dois CSV, metadata.json com os metadados de cada indicador e LEIA-ME.md.",
                              "Both CSVs, metadata.json with every indicator's metadata, and LEIA-ME.md."), ok=_ZIP_OK)
def territory_zip(q: TerritoryDownloadQuery, territory_id):
    row = _territory_download(territory_id)
    lang = q.lang

    def produce():
        df = _territory_facts(territory_id)
        inds = data.indicators(public=True)
        inds = inds[inds["indicator_id"].isin(set(df["indicator_id"]))]
        metas = [orjson.loads(x) for x in inds["meta_json"]]
        title = {"pt": f"{row['name']} — todos os indicadores públicos",
                 "en": f"{row['name']} — all public indicators"}
        return _zip_bytes(q, "territory", {"id": territory_id, "name": row["name"], "level": row["level"],
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


surveillance.register(bp, sys.modules[__name__])   # /api/v1/surveillance/<territory> (issue 13), once at import
targets_api.register(bp, sys.modules[__name__])    # /api/v1/targets, /targets/<id>/status (issue 11)


# -- registration ----------------------------------------------------------------------------------

def init_app(server):
    """Register the API and download blueprints on the Flask server (and the query cache if needed)."""
    if data.cache not in server.extensions.get("cache", {}):
        data.cache.init_app(server)
    if "api_v1" not in server.blueprints:
        server.register_blueprint(bp)
        server.register_blueprint(dl)
        server.register_blueprint(apidocs.docs)
        simulate.init_app(server)  # issue 12: POST /api/v1/simulate, GET /api/v1/simulate/presets
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
