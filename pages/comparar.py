"""Comparar: up to 10 territories side by side, as a table and as charts (`/comparar?t=1106,1312&i=…`).

The view (pickers, table, charts) is built by web.compare_view; this module reads the URL and wires the
callbacks.
"""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, no_update
from dash.exceptions import PreventUpdate

from core import i18n
from core.i18n import lang_of
from web import compare_view as CV
from web import territory_view as tv
from web import ui

dash.register_page(__name__, path="/comparar", name="Comparar", name_en="Compare",
                   title=i18n.page_title("Comparar", "Compare"), order=3, nav=True)

ids = CV.ids


@ui.status_check("/comparar")
def http_status(t: str | None = None, i: str | None = None, lang: str | None = None, **_) -> int:
    tids, iids = CV.parse(t, i)
    return 400 if CV.validate(tids, iids, lang_of(lang)) else 200


def layout(t: str | None = None, i: str | None = None, lang: str | None = None, **_):  # noqa: A002
    lang = lang_of(lang)
    tids, iids = CV.parse(t, i)
    errs = CV.validate(tids, iids, lang)
    if errs:
        return tv.problem_page("400", " ".join(errs), lang)
    return CV.page(tids, iids or CV.default_indicators(), lang)


@callback(Output(ids.CHOSEN, "data"), Output(ids.ADD_INPUT, "value"), Output(ids.ADD_STATUS, "children"),
          Input(ids.ADD_INPUT, "n_submit"), Input(ids.ADD_BUTTON, "n_clicks"),
          Input({"type": ids.REMOVE, "index": ALL}, "n_clicks"),
          State(ids.ADD_INPUT, "value"), State(ids.CHOSEN, "data"), State(ids.LANG, "data"),
          prevent_initial_call=True)
def edit(n_submit, n_clicks, removes, text, chosen, lang):
    """Add the typed territory (Enter or the button) or remove one (its × button)."""
    lang = lang_of(lang)
    chosen = list(chosen or [])
    trig = ctx.triggered_id
    if isinstance(trig, dict) and trig.get("type") == ids.REMOVE:
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            raise PreventUpdate            # a button re-rendered, not clicked
        new, msg = CV.remove_territory(chosen, trig["index"], lang)
        return new, no_update, msg
    new, msg = CV.add_territory(chosen, text, lang)
    return new, ("" if new != chosen else no_update), msg


@callback(Output(ids.CONTENT, "children"), Output(ids.URL_SEARCH, "data"), Output(ids.CHOSEN_LIST, "children"),
          Input(ids.CHOSEN, "data"), Input(ids.INDICATORS, "value"), State(ids.LANG, "data"),
          prevent_initial_call=True)
def update(tids, iids, lang):
    """Re-render the comparison for the chosen territories (at most 10 kept) and indicators."""
    lang = lang_of(lang)
    tids = list(tids or [])[:CV.MAX_TERRITORIES]
    iids = list(iids or [])
    return CV.content(tids, iids, lang), CV.search_of(tids, iids, lang), CV.chosen_list(tids, lang)


@callback(Output(ids.PICKER_SUMMARY, "children"), Input(ids.INDICATORS, "value"), State(ids.LANG, "data"),
          prevent_initial_call=True)
def update_picker_header(iids, lang):
    """The picker's header follows the ticked indicators."""
    return CV.picker_header(iids, lang_of(lang))


clientside_callback(ui.URL_SYNC_JS, Output(ids.URL_SYNC, "data"), Input(ids.URL_SEARCH, "data"),
                    prevent_initial_call=True)
