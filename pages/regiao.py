"""Região: the profile of a region — the country, NUTS I/II/III, district or island, CIM/AM (`/regiao/<code>`).

Same profile as a municipality; its peers are the other regions of the same level.
"""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from serving import data
from web import ui
from web import territory_view as tv
from web import surveillance_view as SV
from core.i18n import lang_of, t

dash.register_page(__name__, path_template="/regiao/<code>", name="Região",
                   title=lambda code=None, **kw: _title(code))


class ids:
    STATE = "regiao-state"
    BAND_DROPDOWN = "regiao-band-indicator"
    BAND_GRAPH = "regiao-band-graph"
    BAND_SUMMARY = "regiao-band-summary"
    BAND_TABLE = "regiao-band-table"
    URL_SEARCH = "regiao-url-search"
    URL_SYNC = "regiao-url-sync"


def _title(code) -> str:
    ter = _region(code)
    from core.i18n import request_lang, territory_name
    return f"{territory_name(ter['name_unique'], request_lang())} · Observatório" if ter else "Observatório"


def _region(code) -> dict | None:
    if not isinstance(code, str) or not code or len(code) > 12:
        return None
    try:
        ter = data.territory(code.upper())
    except data.NoDatabase:
        return None
    return ter if ter and ter["level"] not in ("municipio", "freguesia") else None


def layout(code: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
           **_):
    lang = lang_of(lang)
    ter = _region(code)
    if ter is None:
        return tv.problem_page("404", t("err.404.territory", lang, id=code or ""), lang)
    errs = tv.validate_profile_params(ter, grupo, i, lang)
    if errs:
        return tv.profile_problem(ter, errs, lang, f"/regiao/{ter['territory_id']}")
    page = tv.profile_layout(ter, grupo or None, i or None, lang, f"/regiao/{ter['territory_id']}", ids)
    return SV.with_section(page, ter["territory_id"], lang)    # excess deaths (issue 13): PT and NUTS III


@ui.status_check("/regiao/<code>")
def http_status(code: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
                **_) -> int:
    """404 for an unknown territory, 400 for bad parameters (the page body explains)."""
    ter = _region(code)
    if ter is None:
        return 404
    return 400 if tv.validate_profile_params(ter, grupo or None, i or None, lang_of(lang)) else 200


@callback(Output(ids.BAND_GRAPH, "figure"), Output(ids.BAND_SUMMARY, "children"),
          Output(ids.BAND_TABLE, "children"), Output(ids.URL_SEARCH, "data"),
          Input(ids.BAND_DROPDOWN, "value"), State(ids.STATE, "data"), prevent_initial_call=True)
def update_band(indicator_id, state):
    """The regions' band chart, its summary and table for the chosen indicator; the URL follows."""
    return tv.band_update(indicator_id, state)


clientside_callback(tv.URL_SYNC_JS, Output(ids.URL_SYNC, "data"), Input(ids.URL_SEARCH, "data"),
                    prevent_initial_call=True)
