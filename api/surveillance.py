"""/api/v1/surveillance/<territory_id>: the weekly mortality surveillance of the country or a NUTS III region
(issue 13), the rows of fact_mortality_surveillance: observed and expected deaths per ISO week, the prediction
band, excess, z-score and the weeks in alarm (core/surveillance.py documents the model). JSON or CSV, paged like
every listing; its parameters are declared once (api.params) and documented in the OpenAPI document.

api.routes calls `register(bp, routes)` once: the route joins the API blueprint (its errors, CORS and cache
headers) and uses the routes' listing helpers, handed over rather than imported so that api/ keeps no import cycle.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from api import openapi, params
from api.params import ApiError
from serving import data

COLUMNS = ["indicator_id", "territory_id", "period_id", "start_date", "observed", "expected", "lower", "upper",
           "excess", "zscore", "above", "alarm", "evaluated", "is_provisional", "z_bound", "baseline_years"]

_NUM, _NNUM = {"type": ["number", "null"]}, {"type": ["number", "null"]}
openapi.SCHEMAS["SurveillanceWeek"] = {
    "type": "object", "required": ["territory_id", "period_id", "observed", "expected"],
    "properties": {"indicator_id": {"type": "string"}, "territory_id": {"type": "string"},
                   "period_id": {"type": "string"}, "start_date": {"type": "string"},
                   "observed": _NNUM, "expected": _NNUM, "lower": _NNUM, "upper": _NNUM, "excess": _NNUM,
                   "zscore": _NNUM, "above": {"type": ["boolean", "null"]}, "alarm": {"type": ["boolean", "null"]},
                   "evaluated": {"type": ["boolean", "null"]}, "is_provisional": {"type": ["boolean", "null"]},
                   "z_bound": _NUM, "baseline_years": {"type": ["string", "null"]}}}


class SurveillancePath(params.TerritoryPath):
    territory_id: Annotated[str, Field(pattern=params.TERRITORY_PATTERN, examples=["PT"], description=(
        "The country 'PT' or a NUTS III region ('PT11A'; see /api/v1/territories?level=nuts3)."))]


class SurveillanceQuery(params.Listing):
    indicator: str | None = Field(None, max_length=80, pattern=r"^[a-z0-9_]+$", examples=["obitos_semanais"],
                                  description="The weekly deaths indicator (default: the one under surveillance).")


def register(bp, R) -> None:
    """Add the route to the API blueprint `bp`; `R` is api.routes (listing, _slice)."""

    @params.endpoint(bp, "/surveillance/<territory_id>", operation_id="getMortalitySurveillance", tags=["alarms"],
                     query=SurveillanceQuery, path=SurveillancePath,
                     summary=("Vigilância semanal da mortalidade", "Weekly mortality surveillance"),
                     description=(
        "Óbitos observados e esperados por semana ISO no país ou numa NUTS III, com a banda de previsão (modelo "
        "no estilo do EuroMOMO, sem os anos 2020–2022 na linha de base), o excesso, o z-score e as semanas em "
        "alarme (acima do limite duas semanas seguidas). A última semana, parcial, nunca é avaliada.",
        "Observed and expected deaths per ISO week for the country or a NUTS 3 region, with the prediction band "
        "(a EuroMOMO-style model, 2020–2022 left out of the baseline), the excess, the z-score and the weeks in "
        "alarm (above the bound two weeks running). The last, partial week is never evaluated."),
                     ok=openapi.listing_ok("SurveillanceWeek"))
    def surveillance_detail(q: SurveillanceQuery, territory_id: str):
        inds = data.surveillance_indicators()
        ind = q.indicator or (inds[0] if inds else "")
        if q.indicator and q.indicator not in inds:
            raise ApiError(400, f"indicator {q.indicator!r} has no weekly surveillance", "indicator", inds)
        df = data.mortality_surveillance(territory_id.upper(), ind) if inds else None
        if df is None or df.empty:
            raise ApiError(404, f"no weekly surveillance for territory {territory_id!r} (the country and the "
                                f"NUTS III regions have one: PT, PT111, …)", "territory_id")
        df = df[COLUMNS].astype({"start_date": str})
        return R.listing(q, R._slice(df, q), len(df), f"surveillance-{territory_id.upper()}")
