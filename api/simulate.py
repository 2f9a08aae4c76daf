"""The simulation API (issue 12): `POST /api/v1/simulate` runs a scenario, `GET /api/v1/simulate/presets`
lists the law-cited presets. Both are declared once with api.params (query models, the SimulateRequest body
model), which the router and the OpenAPI document read; a bad body is a 400 whose `parameter` is the dotted path
of the field at fault (the scenario's own paths, `scenario.components.0.share`), a body that is not JSON a 415.
Registered by `api.routes.init_app` (one line).
"""
from __future__ import annotations

from typing import Literal

import orjson
from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api import export, openapi, params
from api.params import ApiError, Params
from serving import data
from serving.simulation import engine, files, inputs, presets, run
from serving.simulation.scenario import Scenario, errors

PREFIX = "/api/v1/simulate"
sim = Blueprint("api_simulate", __name__, url_prefix=PREFIX)


class SimulateRequest(BaseModel):
    """The body of POST /api/v1/simulate."""
    model_config = ConfigDict(extra="forbid")
    scenario: Scenario
    compare: Scenario | None = Field(None, description="another scenario to compare with (instead of the baseline)")
    format: Literal["json", "csv"] = "json"


def _json(payload, status=200) -> Response:
    resp = Response(orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY, default=str), status=status,
                    mimetype="application/json")
    return resp


def _error(status: int, message: str, parameter: str | None = None, errs: list | None = None) -> Response:
    body = {"error": {"status": status, "message": message, "parameter": parameter, "valid": None}}
    if errs:
        body["error"]["errors"] = errs
    return _json(body, status)


def _meta() -> dict:
    b = data.build_info()
    m = {"api_version": "v1", "run_id": b.get("run_id"), "built_at": export.built_at(b) or None,
         "is_demo": bool(b.get("is_demo", False)), "licence": "see each input's source",
         "citation": "Observatório — simulação de transferências (não é o cálculo oficial)",
         "docs": "/api/v1/openapi.json",
         "notice": {"pt": "Simulação com dados públicos; não é o cálculo oficial da DGAL.",
                    "en": "A simulation on public data; not DGAL's official calculation."}}
    return m


@sim.after_request
def _headers(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if resp.status_code >= 400 or request.method == "POST":
        resp.headers["Cache-Control"] = "no-store"
    else:
        resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@sim.errorhandler(ApiError)
def _api_error(e: ApiError):
    return _json({"error": {"status": e.status, "message": e.message, "parameter": e.parameter,
                            "valid": e.valid}}, e.status)


@sim.errorhandler(Exception)
def _any(e):
    from werkzeug.exceptions import HTTPException
    if isinstance(e, HTTPException):
        return _error(e.code or 500, e.description or e.name)
    if isinstance(e, data.NoDatabase):
        return _error(503, "the database is not built yet")
    current_app.logger.exception("simulation API error")
    return _error(500, "internal error")


openapi.TAGS.append({"name": "simulation", "description": "Simulação de transferências · Transfer simulation"})
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


class PresetsQuery(Params):
    id: str | None = Field(None, max_length=80, examples=["fgm_art32"],
                           description="One preset only (its id; an unknown one is a 400 listing them).")


@params.endpoint(sim, "/presets", operation_id="simulatePresets", tags=["simulation"], query=PresetsQuery,
                 summary=("Cenários de partida, com o artigo da lei", "Preset scenarios, each citing its article"),
                 description=("Lei n.º 73/2013 art. 32.º (FGM), art. 35.º (duas redações) e o aviso PGU.",
                              "Lei n.º 73/2013 art. 32 (FGM), art. 35 (two wordings) and the PGU call."),
                 ok=openapi.json_ok({"type": "object", "required": ["data", "meta"], "properties": {
                     "data": {"type": "array", "items": {"type": "object"}}, "meta": {"type": "object"}}}))
def list_presets(q: PresetsQuery):
    every = presets.presets()
    if q.id is not None and q.id not in every:
        raise ApiError(400, f"unknown preset {q.id!r}", "id", sorted(every))
    out = [{k: p[k] for k in ("id", "title", "citation", "law_version", "url", "notes", "scenario")}
           for pid, p in every.items() if q.id in (None, pid)]
    return _json({"data": out, "meta": _meta()})


def simulate_request(body) -> tuple[int, dict | str, str]:
    """Validate and run a request body: (status, payload, kind) with kind json, csv or error. Shared by
    the endpoint and tests; never raises for a bad body."""
    if not isinstance(body, dict):
        return 400, {"message": "the body must be a JSON object {scenario, compare?, format?}", "parameter": "body"}, "error"
    try:
        req = SimulateRequest.model_validate(body)
    except ValidationError as e:
        errs = errors(e)
        first = errs[0]
        return 400, {"message": f"{first['field']}: {first['message']}", "parameter": first["field"], "errors": errs}, "error"
    try:
        res = run.simulate(req.scenario, req.compare)
    except (engine.Infeasible, inputs.UnknownInput) as e:
        return 400, {"message": f"{e.field}: {e}", "parameter": f"scenario.{e.field}"}, "error"
    if req.format == "csv":
        return 200, files.results_csv(req.scenario, res["rows"], res["summary"]), "csv"
    return 200, {"summary": res["summary"], "rows": run.rows_json(res["rows"])}, "json"


@params.endpoint(sim, "", methods=("POST",), operation_id="simulate", tags=["simulation"], body=SimulateRequest,
                 parse_body_itself=True,
                 summary=("Simular a repartição de transferências", "Simulate how transfers are shared"),
                 description=(
    "Reparte exatamente o orçamento (ao cêntimo) pelos 308 municípios segundo o cenário e compara-o com as "
    "transferências reais de um ano ou com outro cenário. Não é o cálculo oficial. format=csv devolve os "
    "resultados em CSV, com o cenário e a construção dos dados em linhas '#' de cabeçalho.",
    "Shares exactly the budget (to the cent) among the 308 municipalities by the scenario and compares it with "
    "a year's actual transfers or another scenario. Not the official calculation. format=csv returns the results "
    "as CSV with the scenario and the data build in '#' header lines."),
                 ok={"description": "OK", "content": {
                     "application/json": {"schema": {"type": "object", "required": ["data", "meta"], "properties": {
                         "data": {"type": "object", "properties": {"summary": {"type": "object"},
                                                                   "rows": {"type": "array",
                                                                            "items": {"type": "object"}}}},
                         "meta": {"type": "object"}}}},
                     "text/csv": {"schema": {"type": "string"}}}},
                 responses={"415": dict(_ERROR, description="The body is not application/json")})
def simulate():
    if not request.is_json:
        return _error(415, "send the scenario as application/json")
    body = request.get_json(silent=True)
    if body is None:
        return _error(400, "the body is not valid JSON", "body")
    status, payload, kind = simulate_request(body)
    if kind == "error":
        return _error(status, payload["message"], payload["parameter"], payload.get("errors"))
    if kind == "csv":
        resp = Response(payload, mimetype="text/csv")
        resp.headers["Content-Disposition"] = 'attachment; filename="simulacao.csv"'
        return resp
    return _json({"data": payload, "meta": _meta()})


def init_app(server) -> None:
    if sim.name not in server.blueprints:
        server.register_blueprint(sim)
