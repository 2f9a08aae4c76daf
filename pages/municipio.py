"""Município: the profile of one municipality — every indicator, alarms, peers (`/municipio/<dico>`)."""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from serving import data
from web import ui
from web import territory_view as tv
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
    LIVE_TICK = "municipio-live-tick"        # issue 13: live alarms without a reload
    LIVE_VERSION = "municipio-live-version"


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
    return html.Div([tv.profile_layout(ter, grupo or None, i or None, lang, f"/municipio/{dico}", ids),
                     *live_hook(ids.LIVE_TICK, ids.LIVE_VERSION)])


# -- issue 13: live alarms appear without a reload ------------------------------------------------------
LIVE_EVERY_MS = 5000


def live_hook(tick: str, version: str) -> list:
    """A timer and the live alarms' version the page was drawn with (serving.data.alarm_sources_version)."""
    return [dcc.Interval(id=tick, interval=LIVE_EVERY_MS), dcc.Store(id=version, data=data.alarm_sources_version())]


@callback(Output(tv.ALARMS_SECTION, "children"), Output(ids.LIVE_VERSION, "data"),
          Input(ids.LIVE_TICK, "n_intervals"), State(ids.LIVE_VERSION, "data"), State(ids.STATE, "data"),
          prevent_initial_call=True)
def refresh_alarms(_n, seen, state):
    """Redraw the active alarms when the live alarms changed (nothing is sent otherwise)."""
    now = data.alarm_sources_version()
    if now == seen or not state:
        return no_update, no_update
    lang = lang_of(state.get("lang"))
    return tv.alarms_section(data.alarms(territory_ids=[state["territory_id"]]), lang).children, now


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
