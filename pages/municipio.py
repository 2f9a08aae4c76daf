"""Município: the profile of one municipality — every indicator, alarms, peers (`/municipio/<dico>`)."""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from serving import data
from web import ui
from web import territory_view as tv
from web import targets_view as TV   # issue 11
from core.i18n import lang_of, t

dash.register_page(__name__, path_template="/municipio/<dico>", name="Município",
                   title=lambda dico=None, **kw: _title(dico))


class ids:
    STATE = "municipio-state"
    BAND_DROPDOWN = "municipio-band-indicator"
    BAND_GRAPH = "municipio-band-graph"
    BAND_SUMMARY = "municipio-band-summary"
    BAND_TABLE = "municipio-band-table"
    URL_SEARCH = "municipio-url-search"
    URL_SYNC = "municipio-url-sync"


def _title(dico) -> str:
    ter = _municipality(dico)
    from core.i18n import request_lang, territory_name
    return f"{territory_name(ter['name_unique'], request_lang())} · Observatório" if ter else "Observatório"


def _municipality(dico) -> dict | None:
    if not isinstance(dico, str) or not dico.isdigit() or len(dico) != 4:
        return None
    try:
        ter = data.territory(dico)
    except data.NoDatabase:
        return None
    return ter if ter and ter["level"] == "municipio" else None


def layout(dico: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
           **_):
    lang = lang_of(lang)
    ter = _municipality(dico)
    if ter is None:
        return tv.problem_page("404", t("err.404.territory", lang, id=dico or ""), lang)
    errs = tv.validate_profile_params(ter, grupo, i, lang)
    if errs:
        return tv.profile_problem(ter, errs, lang, f"/municipio/{dico}")
    page = tv.profile_layout(ter, grupo or None, i or None, lang, f"/municipio/{dico}", ids)
    return TV.with_territory_targets(page, ter["territory_id"], lang)   # issue 11: one sentence per target


@ui.status_check("/municipio/<dico>")
def http_status(dico: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
                **_) -> int:
    """404 for an unknown territory, 400 for bad parameters (the page body explains)."""
    ter = _municipality(dico)
    if ter is None:
        return 404
    return 400 if tv.validate_profile_params(ter, grupo or None, i or None, lang_of(lang)) else 200


@callback(Output(ids.BAND_GRAPH, "figure"), Output(ids.BAND_SUMMARY, "children"),
          Output(ids.BAND_TABLE, "children"), Output(ids.URL_SEARCH, "data"),
          Input(ids.BAND_DROPDOWN, "value"), State(ids.STATE, "data"), prevent_initial_call=True)
def update_band(indicator_id, state):
    """The peers' band chart, its summary and table for the chosen indicator; the URL follows."""
    return tv.band_update(indicator_id, state)


clientside_callback(tv.URL_SYNC_JS, Output(ids.URL_SYNC, "data"), Input(ids.URL_SEARCH, "data"),
                    prevent_initial_call=True)
