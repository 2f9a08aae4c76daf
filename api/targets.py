"""API endpoints of the policy targets (issue 11): /api/v1/targets and /api/v1/targets/<id>/status.

Same envelope, ETag, caching and errors as every /api/v1 endpoint: the views are added to the routes'
blueprint by `register(bp, routes)` (called once from api.routes.init_app; this module never imports the
routes back, so api/ stays free of cycles). Query parameters are declared by pydantic models; an unknown or
invalid one is a 400 naming it with the valid values. `openapi_paths` gives api/openapi.py the entries.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.progress import STATUSES
from serving import data

STATUS_LEVELS = ["municipio", "nuts3", "nuts2", "nuts1", "pais", "distrito", "cim"]
TARGET_COLUMNS = ["target_id", "indicator_id", "programme_metric", "area", "scope_kind", "value", "deadline",
                  "direction", "binding", "headline", "to_confirm", "title_pt", "title_en", "data_state",
                  "national_status", "national_reason", "national_latest_value", "national_latest_period",
                  "n_municipios", *[f"n_{s}" for s in STATUSES]]
STATUS_COLUMNS = ["target_id", "territory_id", "name", "level", "status", "reason", "base_period_id", "base_value",
                  "latest_period_id", "latest_value", "target_value", "cagr_observed", "cagr_required", "ratio",
                  "projection_compound", "projection_linear", "needed_per_year", "needed_rate", "n_points"]


class ListParams(BaseModel):
    """/targets: every target with its national status and the distribution of municipal statuses."""
    model_config = ConfigDict(extra="forbid")
    area: str | None = None
    format: Literal["json", "csv"] = "json"
    dialect: Literal["tidy", "excel"] = "tidy"
    lang: Literal["pt", "en"] = "pt"


class StatusParams(BaseModel):
    """/targets/<id>/status: one row per territory."""
    model_config = ConfigDict(extra="forbid")
    level: Literal["municipio", "nuts3", "nuts2", "nuts1", "pais", "distrito", "cim"] | None = None
    status: Literal[tuple(STATUSES)] | None = None  # type: ignore[valid-type]
    format: Literal["json", "csv"] = "json"
    dialect: Literal["tidy", "excel"] = "tidy"
    lang: Literal["pt", "en"] = "pt"
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(1000, ge=1, le=10_000)


def _parse(model: type[BaseModel], args, r):
    raw = {k: (v.strip() if isinstance(v, str) else v) for k, v in args.items()}
    try:
        return model.model_validate({k: v for k, v in raw.items() if v != ""})
    except ValidationError as e:
        err = e.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else None
        allowed = list(model.model_fields)
        if err["type"] == "extra_forbidden":
            raise r.ApiError(400, f"unknown parameter {name!r}", name, sorted(allowed)) from None
        ann = model.model_fields[name].annotation if name in model.model_fields else None
        valid = [a for a in getattr(ann, "__args__", ()) if a is not type(None)]
        lits = [x for a in valid for x in getattr(a, "__args__", (a,)) if isinstance(x, str)]
        raise r.ApiError(400, f"invalid value {raw.get(name)!r} for {name!r}: {err['msg']}", name,
                         lits or None) from None


_REGISTERED = False


def register(bp, r) -> None:
    """Add the views to the API blueprint `bp`; `r` is api.routes (its response helpers)."""
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    from flask import request

    def _target_or_404(tid: str) -> dict:
        t = data.target(tid)
        if t is None:
            raise r.ApiError(404, f"unknown target {tid!r}", "target_id",
                             [str(x) for x in data.targets()["target_id"]])
        return t

    @bp.get("/targets")
    def targets_list():
        p = _parse(ListParams, request.args, r)
        if p.area is not None and p.area not in r.areas():
            raise r.ApiError(400, f"invalid value {p.area!r} for 'area'", "area", r.areas())
        df = data.target_summary()
        if p.area:
            df = df[df["area"] == p.area]
        df = df.reindex(columns=TARGET_COLUMNS)
        return r.listing(df, len(df), r.Page(1, max(1, len(df))), "metas")

    @bp.get("/targets/<target_id>/status")
    def target_status(target_id):
        p = _parse(StatusParams, request.args, r)
        _target_or_404(target_id)
        df = data.target_statuses([target_id], levels=[p.level] if p.level else None)
        if p.status:
            df = df[df["status"] == p.status]
        df = df.reindex(columns=STATUS_COLUMNS)
        page = r.Page(p.page, p.page_size)
        return r.listing(r._slice(df, page), len(df), page, f"metas_{target_id}")


def openapi_paths(param, responses, envelope) -> dict:
    """The OpenAPI entries of the two endpoints (api/openapi.py adds them), with the same closed lists."""
    fmt = [param("format", "Response format.", {"type": "string", "enum": ["json", "csv"], "default": "json"}),
           param("dialect", "CSV dialect (with format=csv).", {"type": "string", "enum": ["tidy", "excel"],
                                                               "default": "tidy"}),
           param("lang", "Language of the Excel dialect.", {"type": "string", "enum": ["pt", "en"], "default": "pt"})]
    item = {"type": "object", "additionalProperties": True}
    tid = {"type": "string", "pattern": r"^[a-z0-9_]{1,80}$"}
    return {
        "/api/v1/targets": {"get": {
            "operationId": "listTargets", "tags": ["targets"],
            "summary": "Metas e o seu estado · Policy targets and their status",
            "description": "Cada meta (indicador ou métrica de programa, âmbito, valor, prazo, sentido, base legal) "
                           "com o estado nacional e a distribuição dos estados municipais (método Open SDG).\n\n"
                           "*English:* every target with its national status and the distribution of municipal "
                           "statuses (Open SDG progress method). Statuses: " + ", ".join(STATUSES) + ".",
            "parameters": [param("area", "Policy area.", {"type": "string"}), *fmt],
            "responses": responses(envelope(item, True), csv=True)}},
        "/api/v1/targets/{target_id}/status": {"get": {
            "operationId": "targetStatus", "tags": ["targets"],
            "summary": "Estado de uma meta por território · One target's status by territory",
            "description": "Estado, valores de base e mais recente, taxas (CAGR) observada e necessária, razão R, "
                           "projeções (composta e linear) e valor necessário por ano.\n\n*English:* status, base "
                           "and latest values, observed and required CAGR, ratio R, projections and the value "
                           "needed per year.",
            "parameters": [param("target_id", "Target id.", tid, where="path"),
                           param("level", "Territorial level.", {"type": "string", "enum": STATUS_LEVELS}),
                           param("status", "Keep one status.", {"type": "string", "enum": list(STATUSES)}),
                           param("page", "Page number, from 1.", {"type": "integer", "minimum": 1,
                                                                  "maximum": 1_000_000, "default": 1}),
                           param("page_size", "Rows per page.", {"type": "integer", "minimum": 1,
                                                                 "maximum": 10_000, "default": 1000}),
                           *fmt],
            "responses": responses(envelope(item, True), csv=True, not_found=True)}},
    }
