"""API endpoints of the policy targets (issue 11): /api/v1/targets and /api/v1/targets/<id>/status.

Same envelope, ETag, caching and errors as every /api/v1 endpoint: the views are added to the routes'
blueprint by `register(bp, routes)` (called once by api.routes at import; this module never imports the
routes back, so api/ stays free of cycles). Their parameters are declared once with api.params, which both
parses requests and writes the OpenAPI document.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from api import openapi, params
from api.params import ApiError, Params

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


TargetStatus = params._literal(list(STATUSES))
StatusLevel = params._literal(STATUS_LEVELS)


class TargetsQuery(params.Listing):
    """/targets: every target with its national status and the distribution of municipal statuses."""
    area: Annotated[params.Area | None, Field(description="Policy area.", examples=["ambiente"])] = None


class StatusQuery(params.Listing):
    """/targets/<id>/status: one row per territory."""
    level: Annotated[StatusLevel | None, Field(description="Territorial level.", examples=["municipio"])] = None
    status: Annotated[TargetStatus | None, Field(description="Keep one status.", examples=["moderate_progress"])] = None


class TargetPath(Params):
    target_id: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,80}$", examples=["ar_no2_2030"],
                                    description="Target id (see /api/v1/targets).")]


_REGISTERED = False


def register(bp, r) -> None:
    """Add the views to the API blueprint `bp`; `r` is api.routes (its response helpers)."""
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True

    def _target_or_404(tid: str) -> dict:
        t = data.target(tid)
        if t is None:
            raise ApiError(404, f"unknown target {tid!r}", "target_id", [str(x) for x in data.targets()["target_id"]])
        return t

    openapi.TAGS.append({"name": "targets", "description": "Metas e progresso · Policy targets and progress"})

    @params.endpoint(bp, "/targets", operation_id="listTargets", tags=["targets"], query=TargetsQuery,
                     summary=("Metas e o seu estado", "Policy targets and their status"),
                     description=(
        "Cada meta (indicador ou métrica de programa, âmbito, valor, prazo, sentido, base legal) com o estado "
        "nacional e a distribuição dos estados municipais (método de progresso do Open SDG).",
        "Every target (indicator or programme metric, scope, value, deadline, direction, legal basis) with its "
        "national status and the distribution of municipal statuses (Open SDG progress method). Statuses: "
        + ", ".join(STATUSES) + "."),
                     ok=openapi.listing_ok("Target"))
    def targets_list(q: TargetsQuery):
        df = data.target_summary()
        if q.area:
            df = df[df["area"] == q.area]
        df = df.reindex(columns=TARGET_COLUMNS)
        return r.listing(q, r._slice(df, q), len(df), "metas")

    @params.endpoint(bp, "/targets/<target_id>/status", operation_id="targetStatus", tags=["targets"],
                     query=StatusQuery, path=TargetPath,
                     summary=("Estado de uma meta por território", "One target's status by territory"),
                     description=(
        "Estado, valores de base e mais recente, taxas (CAGR) observada e necessária, razão R, projeções (composta "
        "e linear) e valor necessário por ano.",
        "Status, base and latest values, observed and required CAGR, ratio R, projections (compound and linear) "
        "and the value needed per year."),
                     ok=openapi.listing_ok("TargetStatus"))
    def target_status(q: StatusQuery, target_id: str):
        _target_or_404(target_id)
        df = data.target_statuses([target_id], levels=[q.level] if q.level else None)
        if q.status:
            df = df[df["status"] == q.status]
        df = df.reindex(columns=STATUS_COLUMNS)
        return r.listing(q, r._slice(df, q), len(df), f"metas_{target_id}")


_ROW = {"type": "object", "additionalProperties": True}
openapi.SCHEMAS.setdefault("Target", dict(_ROW, required=["target_id", "value", "deadline", "direction"]))
openapi.SCHEMAS.setdefault("TargetStatus", dict(_ROW, required=["target_id", "territory_id", "status"]))
