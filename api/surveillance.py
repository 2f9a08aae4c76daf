"""/api/v1/surveillance/<territory_id>: the weekly mortality surveillance of the country or a NUTS III region
(issue 13), the rows of fact_mortality_surveillance: observed and expected deaths per ISO week, the prediction
band, excess, z-score and the weeks in alarm (core/surveillance.py documents the model). JSON or CSV, paged like
every listing.

api.routes calls `register(bp, routes)` once: the route joins the API blueprint (its errors, CORS and cache
headers) and uses the routes' helpers, handed over rather than imported so that api/ keeps no import cycle.
"""
from __future__ import annotations

from serving import data

COLUMNS = ["indicator_id", "territory_id", "period_id", "start_date", "observed", "expected", "lower", "upper",
           "excess", "zscore", "above", "alarm", "evaluated", "is_provisional", "z_bound", "baseline_years"]


def register(bp, R) -> None:
    """Add the route to the API blueprint `bp`; `R` is api.routes (ApiError, parameter checks, listing)."""

    @bp.get("/surveillance/<territory_id>")
    def surveillance_detail(territory_id: str):
        R._check_params(["indicator"] + R.FMT_PARAMS)
        inds = data.surveillance_indicators()
        ind = R._one("indicator", inds or [""], inds[0] if inds else "")
        df = data.mortality_surveillance(territory_id.upper(), ind) if inds else None
        if df is None or df.empty:
            raise R.ApiError(404, f"no weekly surveillance for territory {territory_id!r} (the country and the "
                                  f"NUTS III regions have one: PT, PT111, …)", "territory_id")
        df = df[COLUMNS].astype({"start_date": str})
        p = R._page()
        return R.listing(R._slice(df, p), len(df), p, f"surveillance-{territory_id.upper()}")
