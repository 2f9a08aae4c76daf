"""The OpenAPI 3.1 document of the read-only API (/api/v1/openapi.json), built from the same
closed lists the API validates against, so the document and the validation cannot drift apart."""
from __future__ import annotations

from api import targets as targets_api

API_VERSION = "1.0.0"

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_NUM = {"type": ["number", "null"]}
_INT = {"type": ["integer", "null"]}
_BOOL = {"type": "boolean"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, description: str, schema: dict, *, where: str = "query", required: bool = False,
           explode: bool | None = None) -> dict:
    p = {"name": name, "in": where, "description": description, "required": required or where == "path",
         "schema": schema}
    if explode is not None:
        p["style"], p["explode"] = "form", explode
    return p


def _list_of(enum: list[str] | None = None, pattern: str | None = None) -> dict:
    """A comma-separated list parameter (one value or several)."""
    if enum:
        return {"type": "string", "description": f"one or more of: {', '.join(enum)} (comma-separated)",
                "pattern": "^(" + "|".join(enum) + ")(,(" + "|".join(enum) + "))*$"}
    return {"type": "string", "pattern": pattern} if pattern else {"type": "string"}


def _envelope(item: dict, listing: bool) -> dict:
    props = {"data": {"type": "array", "items": item} if listing else item, "meta": _ref("Meta")}
    req = ["data", "meta"]
    if listing:
        props["pagination"] = _ref("Pagination")
        req.append("pagination")
    return {"type": "object", "required": req, "properties": props}


def _responses(schema: dict, *, csv: bool = False, not_found: bool = False) -> dict:
    ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    if csv:
        ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    r = {"200": ok, "304": {"description": "Not modified (If-None-Match matched the ETag)"},
         "400": {"description": "Bad parameter: the error lists the valid values",
                 "content": {"application/json": {"schema": _ref("Error")}}}}
    if not_found:
        r["404"] = {"description": "Unknown id", "content": {"application/json": {"schema": _ref("Error")}}}
    return r


LANG_PARAM = _param("lang", "Language of the Excel dialect's headers and yes/no words: pt (default: sim/não) or "
                    "en (yes/no). The tidy dialect and JSON do not change.",
                    {"type": "string", "enum": ["pt", "en"], "default": "pt"})

#: operationId -> (summary pt, summary en, description pt, description en): every operation is
#: described for people in both languages (a test checks none is missing)
OPERATIONS: dict[str, tuple[str, str, str, str]] = {
    "listIndicators": (
        "Indicadores públicos", "Public indicators",
        "Lista dos indicadores públicos com título, unidade, casas decimais, área de política, polaridade, "
        "regra de agregação, periodicidade e níveis territoriais; filtre por área.",
        "The public indicators with title, unit, decimals, policy area, polarity, aggregation rule, periodicity "
        "and territorial levels; filter by area."),
    "getIndicator": (
        "Um indicador: metadados, fontes, cobertura", "One indicator: metadata, sources, coverage",
        "Definição, unidade, fontes (produtor, licença, endereço), advertências, limiares de alarme, quebras de "
        "série, cobertura (valores por nível, períodos) e como citar.",
        "Definition, unit, sources (producer, licence, URL), caveats, alarm thresholds, breaks in series, "
        "coverage (values per level, periods) and how to cite."),
    "listValues": (
        "Valores (linhas tidy), filtrados e paginados", "Values (tidy rows), filtered and paginated",
        "Um valor por indicador, território e período, com numerador e denominador dos rácios, marcas de valor "
        "provisório, estimado e quebra de série, e a origem (fonte, agregado, calculado). Filtre por indicador, "
        "território, nível territorial e um intervalo de períodos: period_from/period_to aceitam qualquer "
        "período (2015, 2024-Q4, 2020-W05, 2020-11-11, 2011/2021) e ficam os valores cujo período começa em ou "
        "depois de period_from e acaba em ou antes de period_to.",
        "One value per indicator, territory and period, with the numerator and denominator of ratios, "
        "provisional, estimated and break-in-series flags, and the origin (source, aggregated, derived). Filter by "
        "indicator, territory, territorial level and a period range: period_from/period_to take any period id "
        "(2015, 2024-Q4, 2020-W05, 2020-11-11, 2011/2021); values whose period starts on/after period_from and "
        "ends on/before period_to are kept."),
    "listTerritories": (
        "Territórios", "Territories",
        "Municípios (código DICO), NUTS III, NUTS II, NUTS I, o país, distritos e ilhas, CIM e áreas "
        "metropolitanas, com a hierarquia, a área e a população; filtre por nível ou pelo território de cima.",
        "Municipalities (DICO code), NUTS 3, NUTS 2, NUTS 1, the country, districts and islands, CIM and "
        "metropolitan areas, with their hierarchy, area and population; filter by level or by parent."),
    "getTerritory": (
        "Um território", "One territory",
        "Um território com a sua hierarquia, os territórios que contém e ligações para os seus valores e "
        "downloads (e para os pares, num município).",
        "One territory with its hierarchy, the territories it contains and links to its values and downloads "
        "(and to its peers, for a municipality)."),
    "listAlarms": (
        "Alarmes dos indicadores públicos", "Alarms of public indicators",
        "Os alarmes atuais: cada um com a regra, o limiar, o valor, a referência e uma frase que o explica em "
        "português e em inglês; filtre por território, gravidade, estado, área e indicador.",
        "The current alarms: each with its rule, threshold, value, reference and a sentence explaining it in "
        "Portuguese and English; filter by territory, severity, status, area and indicator."),
    "getPeers": (
        "Pares de um município", "A municipality's peers",
        "Os cinco grupos de pares de um município (NUTS III, CIM/AM, classe de dimensão, os 10 mais parecidos, "
        "vizinhos); com um indicador, a posição do município entre os pares.",
        "A municipality's five peer groups (NUTS 3, CIM/AM, size class, the 10 most similar, neighbours); with "
        "an indicator, the municipality's position among its peers."),
    "downloadIndicatorCsv": (
        "Descarregar um indicador em CSV", "Download one indicator as CSV",
        "O indicador inteiro, ou o que está no ecrã (nível, período, territórios). dialect=excel abre no "
        "Excel em Portugal: cabeçalhos em português, sim/não, valores arredondados às casas decimais do "
        "indicador e numeradores/denominadores à precisão da fonte.",
        "The whole indicator, or what is on screen (level, period, territories). dialect=excel opens in Excel "
        "in Portugal: Portuguese headers, sim/não, values rounded to the indicator's decimals and "
        "numerators/denominators to the source's precision."),
    "downloadIndicatorZip": (
        "Descarregar um indicador com metadados (ZIP)", "Download one indicator with its metadata (ZIP)",
        "CSV tidy, CSV para Excel, metadata.json e LEIA-ME.md (português e inglês): fontes, licenças, "
        "advertências, quebras de série, colunas e como citar.",
        "Tidy CSV, Excel CSV, metadata.json and LEIA-ME.md (Portuguese and English): sources, licences, caveats, "
        "breaks in series, columns and how to cite."),
    "downloadTerritoryCsv": (
        "Todos os indicadores de um território (CSV)", "Every public indicator of one territory (CSV)",
        "Todos os valores públicos de um território, de todos os indicadores e períodos.",
        "Every public value of one territory, across indicators and periods."),
    "downloadTerritoryZip": (
        "Todos os indicadores de um território, com metadados (ZIP)",
        "Every public indicator of one territory, with metadata (ZIP)",
        "Os dois CSV, metadata.json com os metadados de cada indicador e LEIA-ME.md.",
        "Both CSVs, metadata.json with every indicator's metadata, and LEIA-ME.md."),
}

TAGS = [
    {"name": "indicators", "description": "Indicadores e metadados · Indicators and their metadata"},
    {"name": "values", "description": "Valores por território e período · Values by territory and period"},
    {"name": "territories", "description": "Municípios e regiões · Municipalities and regions"},
    {"name": "targets", "description": "Metas e progresso · Policy targets and progress"},   # issue 11
    {"name": "alarms", "description": "Alarmes, explicados · Alarms, explained"},
    {"name": "peers", "description": "Grupos de pares dos municípios · The municipalities' peer groups"},
    {"name": "downloads", "description": "Ficheiros CSV e ZIP · CSV and ZIP files"},
]


def _describe(paths: dict) -> None:
    """Every operation's summary and description, in pt-PT then English."""
    for item in paths.values():
        for op in item.values():
            pt, en, dpt, den = OPERATIONS[op["operationId"]]
            op["summary"] = f"{pt} · {en}"
            op["description"] = f"{dpt}\n\n*English:* {den}"


def document(*, levels: list[str], areas: list[str], alarm_levels: list[str], statuses: list[str],
             peer_groups: list[str], base_url: str = "") -> dict:
    page = [
        _param("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}),
        _param("page_size", "Rows per page.", {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1000}),
    ]
    fmt = [
        _param("format", "Response format.", {"type": "string", "enum": ["json", "csv"], "default": "json"}),
        _param("dialect", "CSV dialect (with format=csv): tidy = for programs (UTF-8, comma, dot decimal, English "
               "snake_case headers, full precision); excel = for people using Excel in Portugal (UTF-8 with BOM, "
               "semicolon, decimal comma, Portuguese headers, sim/não, values rounded to the indicator's decimals).",
               {"type": "string", "enum": ["tidy", "excel"], "default": "tidy"}),
        LANG_PARAM,
    ]
    period_fmt = r"^\d{4}(-Q[1-4]|-W\d{2}|-\d{2}-\d{2}|/\d{4})?$"
    tid = {"type": "string", "pattern": r"^[A-Za-z0-9]{1,12}$",
           "description": "municipality DICO '0101'; NUTS 'PT', 'PT1', 'PT11', 'PT111'; district/island 'DI01'; CIM/AM 'EI16D'"}
    iid = {"type": "string", "pattern": r"^[a-z0-9_]{1,80}$"}
    ids_list = {"type": "string", "pattern": r"^[A-Za-z0-9]{1,12}(,[A-Za-z0-9]{1,12}){0,49}$"}
    ind_list = {"type": "string", "pattern": r"^[a-z0-9_]{1,80}(,[a-z0-9_]{1,80}){0,19}$"}

    schemas = {
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
                                 "sentence_pt": _NSTR, "sentence_en": _NSTR}},
        "Peers": {"type": "object", "required": ["territory_id", "groups"], "properties": {
            "territory_id": _STR, "name": _STR,
            "groups": {"type": "array", "items": {"type": "object", "required": ["group_type", "peers"], "properties": {
                "group_type": _STR, "peers": {"type": "array", "items": {"type": "object"}},
                "positions": {"type": "array", "items": {"type": "object"}}}}}}},
    }

    paths = {
        "/api/v1/indicators": {"get": {
            "operationId": "listIndicators", "summary": "Public indicators (list)", "tags": ["indicators"],
            "parameters": [_param("area", "Policy area.", _list_of(areas))] + fmt + page,
            "responses": _responses(_envelope(_ref("IndicatorSummary"), True), csv=True)}},
        "/api/v1/indicators/{indicator_id}": {"get": {
            "operationId": "getIndicator", "summary": "One indicator: metadata, sources, caveats, coverage",
            "tags": ["indicators"], "parameters": [_param("indicator_id", "Indicator id.", iid, where="path")],
            "responses": _responses(_envelope(_ref("Indicator"), False), not_found=True)}},
        "/api/v1/values": {"get": {
            "operationId": "listValues", "summary": "Values (tidy rows), filtered and paginated",
            "tags": ["values"],
            "parameters": [
                _param("indicator", "Indicator id(s), comma-separated.", ind_list),
                _param("territory", "Territory id(s), comma-separated.", ids_list),
                _param("level", "Territorial level(s).", _list_of(levels)),
                _param("period", "Exact period id(s), comma-separated; each checked like period_from.",
                       {"type": "string", "maxLength": 400,
                        "pattern": "^" + period_fmt.strip("^$") + "(," + period_fmt.strip("^$") + ")*$"}),
                _param("period_from", "First period (inclusive).", {"type": "string", "pattern": period_fmt}),
                _param("period_to", "Last period (inclusive).", {"type": "string", "pattern": period_fmt}),
            ] + fmt + page,
            "responses": _responses(_envelope(_ref("Value"), True), csv=True)}},
        "/api/v1/territories": {"get": {
            "operationId": "listTerritories", "summary": "Territories", "tags": ["territories"],
            "parameters": [_param("level", "Territorial level(s).", _list_of(levels)),
                           _param("parent", "Parent territory id.", tid)] + fmt + page,
            "responses": _responses(_envelope(_ref("Territory"), True), csv=True)}},
        "/api/v1/territories/{territory_id}": {"get": {
            "operationId": "getTerritory", "summary": "One territory", "tags": ["territories"],
            "parameters": [_param("territory_id", "Territory id.", tid, where="path")],
            "responses": _responses(_envelope(_ref("Territory"), False), not_found=True)}},
        "/api/v1/alarms": {"get": {
            "operationId": "listAlarms", "summary": "Alarms of public indicators (active ones by default)",
            "description": "Active alarm: status not resolved and series current (the indicator is still "
                           "published and the territory has a recent value). Active alarms first, the most "
                           "severe first. `scope=history` lists the others (resolved, or of a discontinued or "
                           "stale series); `scope=all` both. `status=resolved` needs scope history or all.",
            "tags": ["alarms"],
            "parameters": [
                _param("scope", "Which alarms: active (default), history or all.",
                       {"type": "string", "enum": ["active", "history", "all"], "default": "active"}),
                _param("territory", "Territory id(s), comma-separated.", ids_list),
                _param("level", "Alarm level(s) (severity).", _list_of(alarm_levels)),
                _param("territory_level", "Territorial level(s) of the alarmed territory.", _list_of(levels)),
                _param("status", "Alarm status(es).", _list_of(statuses)),
                _param("area", "Policy area(s) of the indicator.", _list_of(areas)),
                _param("indicator", "Indicator id(s), comma-separated.", ind_list),
            ] + fmt + page,
            "responses": _responses(_envelope(_ref("Alarm"), True), csv=True)}},
        "/api/v1/peers/{territory_id}": {"get": {
            "operationId": "getPeers", "summary": "Peer groups of a municipality (and its position among them)",
            "tags": ["peers"],
            "parameters": [_param("territory_id", "Municipality DICO.", tid, where="path"),
                           _param("group", "Peer group type(s).", _list_of(peer_groups)),
                           _param("indicator", "With an indicator id: the municipality's position among its "
                                  "peers for that indicator.", iid)],
            "responses": _responses(_envelope(_ref("Peers"), False), not_found=True)}},
    }
    dl_filters = [
        _param("dialect", "CSV dialect.", {"type": "string", "enum": ["tidy", "excel"], "default": "tidy"}),
        _param("level", "Territorial level (what is on screen). No filter: the whole indicator.",
               {"type": "string", "enum": levels}),
        _param("period", "One period id of the indicator (what is on screen).", {"type": "string", "maxLength": 40}),
        _param("territories", "Territory ids, comma-separated.", ids_list),
        LANG_PARAM,
    ]
    dl_err = {"400": {"description": "Bad parameter: the error lists the valid values",
                      "content": {"application/json": {"schema": _ref("Error")}}},
              "404": {"description": "Unknown id", "content": {"application/json": {"schema": _ref("Error")}}}}
    csv_ok = {"200": {"description": "CSV (attachment)", "content": {"text/csv": {"schema": {"type": "string"}}}}}
    zip_ok = {"200": {"description": "ZIP: tidy CSV, Excel CSV, metadata.json, LEIA-ME.md (pt-PT and English)",
                      "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}
    paths.update({
        "/download/indicador/{indicator_id}.csv": {"get": {
            "operationId": "downloadIndicatorCsv", "summary": "Download one indicator as CSV", "tags": ["downloads"],
            "parameters": [_param("indicator_id", "Indicator id.", iid, where="path")] + dl_filters,
            "responses": {**csv_ok, **dl_err}}},
        "/download/indicador/{indicator_id}.zip": {"get": {
            "operationId": "downloadIndicatorZip", "summary": "Download one indicator with its metadata (ZIP)",
            "tags": ["downloads"],
            "parameters": [_param("indicator_id", "Indicator id.", iid, where="path")] + dl_filters,
            "responses": {**zip_ok, **dl_err}}},
        "/download/territorio/{territory_id}.csv": {"get": {
            "operationId": "downloadTerritoryCsv", "summary": "Every public indicator of one territory (CSV)",
            "tags": ["downloads"], "parameters": [_param("territory_id", "Territory id.", tid, where="path"),
                                                  dl_filters[0], LANG_PARAM],
            "responses": {**csv_ok, **dl_err}}},
        "/download/territorio/{territory_id}.zip": {"get": {
            "operationId": "downloadTerritoryZip", "summary": "Every public indicator of one territory, with metadata (ZIP)",
            "tags": ["downloads"], "parameters": [_param("territory_id", "Territory id.", tid, where="path"),
                                                  dl_filters[0], LANG_PARAM],
            "responses": {**zip_ok, **dl_err}}},
    })
    _describe(paths)
    paths.update(targets_api.openapi_paths(_param, _responses, _envelope))   # issue 11
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
        "components": {"schemas": schemas},
    }
    if base_url:
        doc["servers"] = [{"url": base_url}]
    return doc
