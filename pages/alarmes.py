"""Alarmes: the alarm centre — filter by area, level, region and status; each flag in one sentence; its history.

`/alarmes?ver=historico&area=saude&nivel=critico,atencao&regiao=PT11&estado=new,ongoing&pagina=2&alarme=<id>`
(the parameters: web/alarm_centre_view.py, which builds the page; this module wires it).
"""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from core import i18n
from core.i18n import lang_of
from web import alarm_centre_view as ACV
from web import ui

dash.register_page(__name__, path="/alarmes", name="Alarmes", name_en="Alarms",
                   title=i18n.page_title("Alarmes", "Alarms"), order=4, nav=True)

ids = ACV.ids


@ui.status_check("/alarmes")
def http_status(area: str | None = None, nivel: str | None = None, regiao: str | None = None,
                estado: str | None = None, alarme: str | None = None, lang: str | None = None,
                ver: str | None = None, atuais: str | None = None, pagina: str | None = None, **_) -> int:
    return ACV.http_status(area, nivel, regiao, estado, alarme, lang, ver, atuais, pagina)


def layout(area: str | None = None, nivel: str | None = None, regiao: str | None = None,
           estado: str | None = None, alarme: str | None = None, lang: str | None = None,
           ver: str | None = None, atuais: str | None = None, pagina: str | None = None, **_):
    return ACV.centre(area, nivel, regiao, estado, alarme, lang, ver, atuais, pagina)


@callback(Output(ids.LIST, "children"), Output(ids.URL_SEARCH, "data"), Output(ids.STATUS, "options"),
          Output(ids.STATUS, "value"),
          Input(ids.SCOPE, "value"), Input(ids.AREA, "value"), Input(ids.LEVEL, "value"), Input(ids.REGION, "value"),
          Input(ids.STATUS, "value"), State(ids.STATE, "data"),
          prevent_initial_call=True)
def update(scope, area, levels, region, statuses, state):
    """Re-filter the alarm list (back to its first page); the URL keeps the filters."""
    return ACV.refilter(scope, area, levels, region, statuses, lang_of((state or {}).get("lang")))


@callback(Output(ids.LIST, "children", allow_duplicate=True), Output(ids.LIVE_VERSION, "data"),
          Input(ids.LIVE_TICK, "n_intervals"), State(ids.LIVE_VERSION, "data"),
          State(ids.SCOPE, "value"), State(ids.AREA, "value"), State(ids.LEVEL, "value"), State(ids.REGION, "value"),
          State(ids.STATUS, "value"), State(ids.STATE, "data"), State(ui.URL, "search"), prevent_initial_call=True)
def refresh_live(_n, seen, scope, area, levels, region, statuses, state, search):
    """Issue 13: live alarms appear without a reload."""
    return ACV.refresh_live(seen, scope, area, levels, region, statuses, lang_of((state or {}).get("lang")), search)


clientside_callback(ui.URL_SYNC_JS, Output(ids.URL_SYNC, "data"), Input(ids.URL_SEARCH, "data"),
                    prevent_initial_call=True)
