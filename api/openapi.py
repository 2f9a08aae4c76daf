"""The OpenAPI 3.1 document of the API (/api/v1/openapi.json), generated from the declarations in
api.params: every operation registered with `params.endpoint` (paths, query and path parameters from
the pydantic models' JSON schema, the enums of the closed lists read now, a POST body's model as the
requestBody) plus the response shapes below (the JSON envelope, the error) and the error responses
every operation can give (400, 404 with path ids, 405, 413 with a body, 414, 503). Nothing here lists
parameters by hand: what the parser accepts is what the document says (tests/test_api_params.py).
"""
from __future__ import annotations

from api import params
from serving import data

API_VERSION = "1.0.0"
#: where the models' nested schemas go ($defs of pydantic's JSON schema)
REF_TEMPLATE = "#/components/schemas/{model}"

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_NUM = {"type": ["number", "null"]}
_INT = {"type": ["integer", "null"]}
_BOOL = {"type": "boolean"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _envelope(item: dict, listing: bool) -> dict:
    props = {"data": {"type": "array", "items": item} if listing else item, "meta": _ref("Meta")}
    req = ["data", "meta"]
    if listing:
        props["pagination"] = _ref("Pagination")
        req.append("pagination")
    return {"type": "object", "required": req, "properties": props}


# -- the 200 responses endpoints declare (params.endpoint(ok=…)) ----------------------------------

def listing_ok(component: str, csv: bool = True) -> dict:
    """A paginated listing of `component` items in the JSON envelope (and CSV with format=csv)."""
    ok = {"description": "OK", "content": {"application/json": {"schema": _envelope(_ref(component), True)}}}
    if csv:
        ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    return ok


def detail_ok(component: str | dict) -> dict:
    """One item in the JSON envelope (`component`: a schema name, or a schema)."""
    item = _ref(component) if isinstance(component, str) else component
    return {"description": "OK", "content": {"application/json": {"schema": _envelope(item, False)}}}


def json_ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def file_ok(mimetype: str, description: str) -> dict:
    schema = {"type": "string"} if mimetype.startswith("text/") else {"type": "string", "format": "binary"}
    return {"description": description, "content": {mimetype: {"schema": schema}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


#: the response shapes (components.schemas); the request models' own schemas are added to them
SCHEMAS: dict[str, dict] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "message"], "properties": {
            "status": {"type": "integer"}, "message": _STR, "parameter": _NSTR,
            "valid": {"type": ["array", "null"], "items": _STR}}}}},
    "Meta": {"type": "object", "required": ["api_version", "run_id", "is_demo", "licence", "citation"],
             "properties": {"api_version": _STR, "run_id": _NSTR, "built_at": _NSTR, "is_demo": _BOOL,
                            "licence": _STR, "citation": _STR, "docs": _STR,
                            "notice": {"type": "object", "description": "present only for demo data"}}},
    "Pagination": {"type": "object", "required": ["page", "page_size", "total", "pages", "links"], "properties": {
        "page": {"type": "integer"}, "page_size": {"type": "integer"}, "total": {"type": "integer"},
        "pages": {"type": "integer"},
        "links": {"type": "object", "properties": {k: _NSTR for k in ("self", "first", "prev", "next", "last")}}}},
    "Text": {"type": "object", "properties": {"pt": _STR, "en": _STR}},
    "IndicatorSummary": {"type": "object", "required": ["id", "title", "unit", "area"], "properties": {
        "id": _STR, "title": _ref("Text"), "unit": _ref("Text"), "short_unit": _NSTR, "decimals": _INT,
        "area": _STR, "polarity": _NSTR, "aggregation": _NSTR, "periodicity": _NSTR,
        "levels": {"type": "array", "items": _STR}, "headline": {"type": ["boolean", "null"]},
        "links": {"type": "object"}}},
    "Indicator": {"type": "object", "required": ["id", "title", "description", "unit", "sources"], "properties": {
        "id": _STR, "title": _ref("Text"), "description": _ref("Text"), "unit": _ref("Text"),
        "sources": {"type": "array", "items": {"type": "object"}}, "caveats": {"type": "array"},
        "coverage": {"type": "object"}, "citation": {"type": "object"}, "links": {"type": "object"}}},
    "Value": {"type": "object", "required": ["indicator_id", "territory_id", "period_id", "value"], "properties": {
        "indicator_id": _STR, "territory_id": _STR, "territory_name": _STR, "level": _STR,
        "period_id": _STR, "period_type": _STR, "start_date": _STR, "end_date": _STR, "value": _NUM,
        "unit": _NSTR, "numerator": _NUM, "denominator": _NUM, "is_provisional": _BOOL, "provisional_reason": _NSTR,
        "is_estimated": _BOOL, "is_break": _BOOL, "origin": _STR, "source_ids": _STR, "note": _NSTR}},
    "Territory": {"type": "object", "required": ["territory_id", "level", "name"], "properties": {
        "territory_id": _STR, "level": _STR, "name": _STR, "name_unique": _STR, "parent_id": _NSTR,
        "nuts1_id": _NSTR, "nuts2_id": _NSTR, "nuts3_id": _NSTR, "district_id": _NSTR, "cim_id": _NSTR,
        "tipo_territorio": _NSTR, "area_km2": _NUM, "population": _NUM, "links": {"type": "object"}}},
    "Alarm": {"type": "object", "required": ["alarm_id", "indicator_id", "territory_id", "level", "status"],
              "properties": {"alarm_id": _STR, "indicator_id": _STR, "territory_id": _STR, "level": _STR,
                             "status": _STR, "is_active": _BOOL, "is_current": _BOOL, "series_state": _STR,
                             "period_id": _STR, "since_period_id": _NSTR, "value": _NUM, "threshold": _NUM,
                             "reference_value": _NUM, "explanation_pt": _STR, "explanation_en": _STR,
                             "sentence_pt": _NSTR, "sentence_en": _NSTR,
                             # issue 13: live alarms (origin "live", from NGSI-LD observations; "build")
                             "origin": _NSTR, "synthetic": {"type": ["boolean", "null"]}, "observed_at": _NSTR}},
    "Peers": {"type": "object", "required": ["territory_id", "groups"], "properties": {
        "territory_id": _STR, "name": _STR,
        "groups": {"type": "array", "items": {"type": "object", "required": ["group_type", "peers"], "properties": {
            "group_type": _STR, "peers": {"type": "array", "items": {"type": "object"}},
            "positions": {"type": "array", "items": {"type": "object"}}}}}}},
}

#: the tags operations use, each described in pt-PT and English; a new endpoint module appends its own
#: (`openapi.TAGS.append({"name": "targets", "description": "Metas · Targets"})`)
TAGS = [
    {"name": "index", "description": "Índice e documento OpenAPI · Index and the OpenAPI document"},
    {"name": "indicators", "description": "Indicadores e metadados · Indicators and their metadata"},
    {"name": "values", "description": "Valores por território e período · Values by territory and period"},
    {"name": "territories", "description": "Municípios e regiões · Municipalities and regions"},
    {"name": "alarms", "description": "Alarmes, explicados · Alarms, explained"},
    {"name": "peers", "description": "Grupos de pares dos municípios · The municipalities' peer groups"},
    {"name": "downloads", "description": "Ficheiros CSV e ZIP · CSV and ZIP files"},
]



def _describe(op: dict, ep: params.Endpoint) -> None:
    """The operation's summary and description, in pt-PT then English (Swagger UI at /api/docs)."""
    (pt, en), (dpt, den) = ep.summary, ep.description
    op["summary"] = f"{pt} · {en}"
    op["description"] = f"{dpt}\n\n*English:* {den}"


def _closed_list(one: params.OneOf) -> list[str]:
    try:
        vals = one.valid()
    except data.NoDatabase:
        vals = []
    if not vals and one is params.LEVEL:
        vals = list(params.FALLBACK_LEVELS)
    return vals


def _plain(schema: dict) -> dict:
    """A parameter's schema without pydantic's title and without the `null` of an optional value
    (a query parameter is absent, never null)."""
    s = {k: v for k, v in schema.items() if k != "title"}
    if "anyOf" in s:
        kept = [x for x in s["anyOf"] if x.get("type") != "null"]
        if len(kept) == 1:
            s = {**{k: v for k, v in s.items() if k != "anyOf"}, **kept[0]}
    if s.get("default", "") is None:
        del s["default"]
    return s


def parameters(model: type[params.Params], where: str, defs: dict) -> list[dict]:
    """The OpenAPI parameters of one model (query or path), from its JSON schema."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    defs.update(schema.get("$defs", {}))
    props = schema.get("properties", {})
    names = list(model.model_fields)
    names = [n for n in names if n not in params.SHARED_LAST] + [n for n in names if n in params.SHARED_LAST]
    out = []
    for name in names:
        f = model.model_fields[name]
        s = _plain(props[name])
        description = s.pop("description", None) or f.description or name
        one, _ = params._markers(f)
        if one is not None and one.in_docs and (vals := _closed_list(one)):
            (s["items"] if s.get("type") == "array" else s)["enum"] = vals
        p = {"name": name, "in": where, "description": description,
             "required": where == "path" or f.is_required(), "schema": s}
        if s.get("type") == "array":
            p["style"], p["explode"] = "form", False    # comma-separated (repeating the name works too)
        out.append(p)
    return out


def _responses(ep: params.Endpoint) -> dict:
    r = {"200": ep.ok}
    if "GET" in ep.methods:
        r["304"] = {"description": "Not modified (If-None-Match matched the ETag)"}
    r.update(ep.responses)
    r["400"] = _error("Bad parameter: the error names it and lists the valid values")
    if ep.path is not None:
        r["404"] = _error("Unknown id")
    r["405"] = _error("Method not allowed (the Allow header lists the allowed ones)")
    if ep.body is not None:
        r["413"] = _error(f"Body larger than {params.MAX_BODY_BYTES} bytes")
    r["414"] = _error("URL longer than 4000 characters: fewer ids per request, or page through the results")
    r["503"] = _error("The database is not built yet")
    return r


def operation(ep: params.Endpoint, defs: dict) -> dict:
    op = {"operationId": ep.operation_id, "tags": ep.tags}
    _describe(op, ep)
    ps = (parameters(ep.path, "path", defs) if ep.path is not None else []) + parameters(ep.query, "query", defs)
    if ps:
        op["parameters"] = ps
    if ep.body is not None:
        schema = ep.body.model_json_schema(ref_template=REF_TEMPLATE)
        defs.update(schema.pop("$defs", {}))
        defs[ep.body.__name__] = schema
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(ep.body.__name__)}}}
    op["responses"] = _responses(ep)
    return op


def document(endpoints: list[params.Endpoint] | None = None, *, base_url: str = "") -> dict:
    """The whole document, from the declared endpoints (default: every one registered)."""
    defs: dict = {}
    paths: dict = {}
    for ep in (params.ENDPOINTS if endpoints is None else endpoints):
        for method in ep.methods:
            paths.setdefault(ep.url, {})[method.lower()] = operation(ep, defs)
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Observatório — API de dados abertos / open data API", "version": API_VERSION,
                 "description": "Read-only API of the Observatório (Portugal's public-policy dashboard). "
                                "JSON envelope {data, pagination, meta}; format=csv for CSV. Errors: "
                                "{error: {status, message, parameter, valid}}; an unknown query parameter "
                                "(any name not documented for the endpoint) is a 400 naming it; URLs longer "
                                "than 4000 characters are a 414, other methods than GET/HEAD a 405, all as "
                                "JSON. Restricted indicators never "
                                "appear. Whole downloads (no level/period/territories filter) are made once "
                                "per build and served as files with ETag, Last-Modified and Range. Downloads with metadata and README: /download/indicador/<id>.zip, "
                                "/download/territorio/<id>.zip. Documentation for people, in Portuguese and "
                                "English: /api/docs.",
                 "license": {"name": "Data: each source's licence (see indicator sources); code: EUPL-1.2",
                             "identifier": "EUPL-1.2"}},
        "externalDocs": {"description": "Documentação para pessoas · Documentation for people", "url": "/api/docs"},
        "tags": TAGS,
        "paths": paths,
        "components": {"schemas": {**SCHEMAS, **defs}},
    }
    if base_url:
        doc["servers"] = [{"url": base_url}]
    return doc
