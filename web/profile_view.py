"""The profile page of a territory, built once for both levels: `/municipio/<dico>` and `/regiao/<code>`.

A `Kind` says what differs between the two pages — how the URL's code is read, which territories it may
name, the prefix of the component ids — and everything else is shared: the layout (header, downloads,
peer group, alarms, the table of indicators, the peers' band chart, a region's municipalities), the
HTTP status of a direct load, the page title, and the band chart's callbacks, registered by `wire` for
each page. The pages themselves only register the route and call these (pages/municipio.py,
pages/regiao.py). The pieces come from web.territory_view.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from core.i18n import lang_of, request_lang, t, territory_name
from serving import data
from web import surveillance_view as SV
from web import targets_view as TV
from web import territory_view as tv
from web import ui
from web.figures import graph_config


class Ids:
    """A profile page's component ids, prefixed by its kind ("municipio-band-graph", …); the names are
    declared once in web/http_guard.py's ID_TYPES for each prefix."""

    def __init__(self, prefix: str):
        self.STATE = f"{prefix}-state"
        self.BAND_DROPDOWN = f"{prefix}-band-indicator"
        self.BAND_GRAPH = f"{prefix}-band-graph"
        self.BAND_SUMMARY = f"{prefix}-band-summary"
        self.BAND_TABLE = f"{prefix}-band-table"
        self.URL_SEARCH = f"{prefix}-url-search"
        self.URL_SYNC = f"{prefix}-url-sync"
        self.LIVE_TICK = f"{prefix}-live-tick"        # issue 13: live alarms without a reload (municipio)
        self.LIVE_VERSION = f"{prefix}-live-version"


def _municipality(code) -> dict | None:
    if not isinstance(code, str) or not code.isdigit() or len(code) != 4:
        return None
    ter = data.territory(code)
    return ter if ter and ter["level"] == "municipio" else None


def _region(code) -> dict | None:
    if not isinstance(code, str) or not code or len(code) > 12:
        return None
    ter = data.territory(code.upper())
    return ter if ter and ter["level"] not in ("municipio", "freguesia") else None


@dataclass(frozen=True)
class Kind:
    """One of the two profile pages."""
    key: str                                   # municipio | regiao: the path's first segment and the ids' prefix
    find: Callable[[object], dict | None]      # the URL's code -> the territory, or None (a 404)
    live_alarms: bool = False                  # live alarms (issue 13: per municipality) redrawn without a reload
    surveillance: bool = False                 # the weekly excess-deaths section (issue 13: PT and NUTS III)
    targets: bool = False                      # one sentence per policy target (issue 11: municipalities)

    @property
    def ids(self) -> Ids:
        return Ids(self.key)

    def path(self, ter: dict) -> str:
        return f"/{self.key}/{ter['territory_id']}"

    def territory(self, code) -> dict | None:
        try:
            return self.find(code)
        except data.NoDatabase:
            return None


MUNICIPIO = Kind("municipio", _municipality, live_alarms=True, targets=True)
REGIAO = Kind("regiao", _region, surveillance=True)
KINDS = {k.key: k for k in (MUNICIPIO, REGIAO)}


# -- the page: title, HTTP status, layout -------------------------------------------------------

def title(kind: Kind, code) -> str:
    """The page title: "Porto · Observatório" (the territory's name in the request's language)."""
    ter = kind.territory(code)
    return f"{territory_name(ter['name_unique'], request_lang())} · Observatório" if ter else "Observatório"


def http_status(kind: Kind, code, grupo=None, i=None, lang=None) -> int:
    """404 for an unknown territory, 400 for bad parameters (the page body explains)."""
    ter = kind.territory(code)
    if ter is None:
        return 404
    return 400 if validate_params(ter, grupo or None, i or None, lang_of(lang)) else 200


def layout(kind: Kind, code, grupo=None, i=None, lang=None):
    """The profile page of the territory `code`, or a helpful 404/400 page."""
    lang = lang_of(lang)
    ter = kind.territory(code)
    if ter is None:
        return tv.problem_page("404", t("err.404.territory", lang, id=code or ""), lang)
    errs = validate_params(ter, grupo, i, lang)
    if errs:
        return problem(ter, errs, lang, kind.path(ter))
    page = profile(ter, grupo or None, i or None, lang, kind.path(ter), kind.ids, live=kind.live_alarms)
    if kind.targets:
        page = TV.with_territory_targets(page, ter["territory_id"], lang)
    return SV.with_section(page, ter["territory_id"], lang) if kind.surveillance else page


def validate_params(ter: dict, grupo, i, lang: str) -> list[str]:
    """Problems with the query parameters of a profile page (empty = fine)."""
    errs = []
    choices = tv.group_choices(ter)
    if grupo not in (None, "") and grupo not in choices:
        errs.append(t("err.param", lang, name="grupo", value=grupo, valid=", ".join(choices) or "—"))
    if i not in (None, "") and data.indicator(i) is None:
        errs.append(t("err.param", lang, name="i", value=i, valid=", ".join(data.indicators()["indicator_id"])))
    return errs


def problem(ter: dict, errs: list[str], lang: str, path: str) -> html.Div:
    """The 400 page of a profile: what is wrong, and links to the valid choices."""
    links = [html.Li(dcc.Link(tv.group_label(g, lang), href=ui.href(path, lang, grupo=g)))
             for g in tv.group_choices(ter)]
    links.insert(0, html.Li(dcc.Link(territory_name(ter["name_unique"], lang), href=ui.href(path, lang))))
    return tv.problem_page("400", " ".join(errs), lang, [html.Ul(links)])


def search_of(grupo: str | None, i: str | None, lang: str, default_grupo: str | None = None) -> str:
    """The query string that holds a profile's state (peer group, chart indicator, language)."""
    q = {}
    if grupo and grupo != default_grupo:
        q["grupo"] = grupo
    if i:
        q["i"] = i
    if lang == "en":
        q["lang"] = "en"
    return ("?" + urlencode(q)) if q else ""


def profile(ter: dict, grupo: str | None, i: str | None, lang: str, path: str, ids: Ids,
            live: bool = False) -> html.Div:
    """The whole profile of a municipality or a region."""
    group = grupo or tv.default_group(ter)
    inds, rows, own = tv.profile_table_rows(ter, group)
    alarms_df = data.alarms(territory_ids=[ter["territory_id"]])      # active ones (core.alarm_rules.is_active)
    has_values = bool(own["value"].notna().any())
    return html.Div([
        dcc.Store(id=ids.STATE, data={"territory_id": ter["territory_id"], "group": group, "lang": lang,
                                      "default_group": tv.default_group(ter)}),
        dcc.Store(id=ids.URL_SEARCH), dcc.Store(id=ids.URL_SYNC),
        *([dcc.Interval(id=ids.LIVE_TICK, interval=LIVE_EVERY_MS),
           dcc.Store(id=ids.LIVE_VERSION, data=data.alarm_sources_version())] if live else []),
        *tv.header(ter, lang),
        tv.downloads(ter["territory_id"], lang),
        tv.group_selector(ter, group, path, lang, i),
        tv.peer_block(ter, group, lang),
        tv.alarms_section(alarms_df, lang),
        *([html.Section([html.H2(t("profile.profile", lang)),
                         html.P(t("profile.position_rule", lang), className="obs-position-rule small",
                                id="position-rule") if group else None,
                         *tv.indicator_table(ter, inds, rows, own, alarms_df, group, lang)]),
           band_section(ter, group, i or tv.default_band_indicator(inds, own), tv.band_choices(inds, own, lang),
                        lang, ids)]
          if has_values else [no_values_note(ter, lang)]),
        tv.members_section(ter, lang),
    ], className="obs-profile", **{"data-profile-level": "region" if tv.is_region(ter) else "municipio"})


def band_section(ter: dict, group: str | None, band_ind: str | None, choices: list[dict], lang: str,
                 ids: Ids) -> html.Section:
    """The peers' band chart over time: the indicator's select, the summary sentence, the chart and its
    table alternative."""
    fig, summary, table = tv.band_section(ter, group, band_ind, lang)
    return html.Section([
        html.H2(t("profile.band_title", lang), id="banda"),
        html.Label(t("profile.band_choose", lang), htmlFor=ids.BAND_DROPDOWN),
        dbc.Select(id=ids.BAND_DROPDOWN, options=choices, value=band_ind),
        ui.summary(summary, ids.BAND_SUMMARY, live=True, className="mt-2"),
        dcc.Graph(id=ids.BAND_GRAPH, figure=fig, config=graph_config("static", lang), className="obs-graph"),
        html.Details([html.Summary(t("profile.table_alt", lang)),
                      ui.scroll_region(html.Div(table, id=ids.BAND_TABLE), t("profile.table_alt", lang),
                                       declared=True)]),
    ], className="obs-band")


def no_values_note(ter: dict, lang: str) -> html.Section:
    """A region the indicators are not aggregated to (district, island, CIM): say so, point to its
    municipalities and to a comparison of (up to 10 of) them."""
    members = list(data.region_members(ter["territory_id"])["territory_id"])[:10]
    body = [ui.empty(t("profile.no_values", lang))]
    if members:
        body.append(html.P(dcc.Link(t("profile.compare_members", lang),
                                    href=ui.href("/comparar", lang, t=",".join(members)))))
    return html.Section([html.H2(t("profile.profile", lang)), *body], className="obs-no-values")


# -- callbacks -----------------------------------------------------------------------------------

def band_update(indicator_id, state) -> tuple:
    """What the band callback returns for the chosen indicator: the chart, its summary, its table and the
    URL search that keeps the choice."""
    if not indicator_id:
        raise PreventUpdate                      # the select's empty placeholder
    ter = data.territory(state["territory_id"])
    fig, summary, table = tv.band_section(ter, state["group"], indicator_id, state["lang"])
    search = search_of(state["group"], indicator_id, state["lang"], state.get("default_group"))
    return fig, summary, table, search


def wire(kind: Kind):
    """Register a profile page's callbacks (its ids); returns the band callback, a plain function too."""
    ids = kind.ids

    @callback(Output(ids.BAND_GRAPH, "figure"), Output(ids.BAND_SUMMARY, "children"),
              Output(ids.BAND_TABLE, "children"), Output(ids.URL_SEARCH, "data"),
              Input(ids.BAND_DROPDOWN, "value"), State(ids.STATE, "data"), prevent_initial_call=True)
    def update_band(indicator_id, state):
        """The peers' band chart, its summary and table for the chosen indicator; the URL follows."""
        return band_update(indicator_id, state)

    clientside_callback(ui.URL_SYNC_JS, Output(ids.URL_SYNC, "data"), Input(ids.URL_SEARCH, "data"),
                        prevent_initial_call=True)

    if kind.live_alarms:
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
    return update_band


#: how often an open municipality page asks whether the live alarms changed (issue 13)
LIVE_EVERY_MS = 5000
