"""Simulação (issue 12): how the State shares money among the 308 municipalities — a preset from the
law or an imported scenario, its weights, eligibility and limits as controls, the winners/losers map
and tables, the scenario in the URL (permalink), JSON/CSV export and import; and the threshold what-if
of the alarm rules. The builders are in web/simulation_view.py."""
from __future__ import annotations

import base64

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from core.i18n import lang_of, page_title, pick, t
from serving import data
from serving.simulation import files, presets
from web import figures as F
from web import simulation_view as SV
from web import ui
from web import whatif_view as WV

dash.register_page(__name__, path="/simulacao", name="Simulação", name_en="Simulation",
                   title=page_title("page.simulacao"), order=8, nav=True)

# -- component ids ---------------------------------------------------------------------------
PAGE = "sim-page"              # Store: {lang, base (the preset's or imported scenario), preset}
CURRENT = "sim-current"        # Store: the current scenario as a URL token
BUDGET = "sim-budget"
WEIGHT = "sim-weight"          # pattern-matching {"type": WEIGHT, "index": i}: one per component
DENSITY = "sim-density"
FLOOR = "sim-floor"
CAP = "sim-cap"
BASELINE = "sim-baseline"
SHARES = "sim-shares"
ERROR = "sim-error"
TOTALS = "sim-totals"
SUMMARY = "sim-summary"
MAP = "sim-map"
MAP_TITLE = "sim-map-title"
LEGEND = "sim-legend"
CHANGES = "sim-changes"
NUTS3 = "sim-nuts3"
SIZE = "sim-size"
LIMITS = "sim-limits"
PERMALINK = "sim-permalink"
EXPORT_JSON = "sim-export-json"
EXPORT_CSV = "sim-export-csv"
DOWNLOAD = "sim-download"
IMPORT = "sim-import"
IMPORT_MSG = "sim-import-msg"
NAV = "sim-nav"
URL_SINK = "sim-url-sink"
WHY_PICK = "sim-why-pick"      # the municipality whose amount is explained (a click on the map sets it)
WHY = "sim-why"
WI_RULE = "sim-wi-rule"
WI_VALUE = "sim-wi-value"
WI_MAP = "sim-wi-map"
WI_LEGEND = "sim-wi-legend"
WI_SUMMARY = "sim-wi-summary"
WI_LIST = "sim-wi-list"


#: a deliberate sideways scroller on a phone (tests/see.py skips it; the table region is focusable)
SCROLL_X = {"data-scroll-x": "true"}


def _status(s=None, p=None, b=None, **_):
    try:
        SV.resolve(s, p, b)
    except SV.Problem:
        return 400
    return 200


ui.status_check("/simulacao")(_status)


def _shares_text(sc, lang: str) -> str:
    return t("sim.shares", lang, shares="; ".join(f"{SV.component_label(c.model_dump(), lang)} "
                                                  f"{F.fmt.value(c.share, 1, '%', lang)}" for c in sc.components))


def controls(st: SV.State, lang: str):
    sc = st.scenario
    # a native range input inside its label (implicit label: its id is a dict, stringified by Dash)
    weights = [html.Label([
        html.Span(SV.component_label(c.model_dump(), lang), className="d-block"),
        dcc.Input(id={"type": WEIGHT, "index": i}, type="range", min=0, max=100, step=1, value=round(c.share),
                  className="form-range", debounce=False),  # each step at once: ~0.1 s less per change
    ], className="form-label d-block mb-2") for i, c in enumerate(sc.components)]
    num = lambda id_, label, value, hint=None: html.Div([  # noqa: E731
        dbc.Label(label, html_for=id_, className="form-label"),
        dbc.Input(id=id_, type="number", value=value, debounce=True, inputmode="decimal"),
        html.Small(hint, className="text-muted") if hint else None,
    ], className="mb-3")
    return html.Div([
        num(BUDGET, t("sim.budget", lang), sc.budget),
        html.Fieldset([html.Legend(t("sim.weights", lang), className="form-label fs-6"), *weights,
                       html.P(_shares_text(sc, lang), id=SHARES, className="small text-muted", **{"aria-live": "polite"})],
                      className="mb-3"),
        num(DENSITY, t("sim.density", lang), SV.density_rule(sc), t("sim.density.hint", lang)),
        num(FLOOR, t("sim.floor", lang), sc.limits.floor_pct),
        num(CAP, t("sim.cap", lang), sc.limits.cap_pct),
        html.Div([dbc.Label(t("sim.baseline", lang), html_for=BASELINE, className="form-label"),
                  dbc.Select(id=BASELINE, value=st.baseline, options=SV.baseline_options(lang))], className="mb-3"),
    ])


def results(st: SV.State, res: dict, lang: str) -> dict:
    mb = SV.map_data(res, lang)
    s = res["summary"]
    return {"mb": mb, "totals": SV.totals_text(s, lang), "summary": SV.summary_text(s, lang),
            "changes": SV.changes_table(res, lang), "nuts3": SV.group_table(res, "nuts3", lang),
            "size": SV.group_table(res, "size_class", lang), "limits": SV.limits_block(st, res, lang)}


def _href(token: str, lang: str) -> str:
    return ui.href("/simulacao", lang, s=token)


def layout(s: str | None = None, p: str | None = None, b: str | None = None, lang: str | None = None, **_):
    lang = lang_of(lang if isinstance(lang, str) else None)
    try:
        st = SV.resolve(s if isinstance(s, str) else None, p if isinstance(p, str) else None,
                        b if isinstance(b, str) else None)
        res = SV.simulate(st, lang)
    except data.NoDatabase:
        return ui.error_layout(503, lang, t("nodb", lang), [])
    except SV.Problem as e:
        return ui.error_layout(400, lang, t("err.400.title", lang), [t("err.400.body", lang), f"{e.field}: {e}"],
                               [html.P(dcc.Link(t("sim.start_again", lang), href=ui.href("/simulacao", lang)))])
    r = results(st, res, lang)
    token = files.to_token(st.scenario)
    pick_id = SV.default_pick(res)
    preset_links = html.Ul([html.Li(html.A(pick(pp["title"], lang), href=ui.href("/simulacao", lang, p=pid),
                                             **({"aria-current": "page"} if pid == st.preset else {})))
                            for pid, pp in presets.presets().items()], className="sim-presets")
    return html.Div([
        dcc.Store(id=PAGE, data={"lang": lang, "base": st.scenario.model_dump(mode="json", exclude_none=True),
                                 "preset": st.preset}),
        dcc.Store(id=CURRENT, data=token),
        dcc.Location(id=NAV, refresh=True),
        dcc.Download(id=DOWNLOAD),
        html.Div(id=URL_SINK, hidden=True),
        html.H1(t("sim.h1", lang)),
        html.P(t("sim.lead", lang), className="lead fs-6"),
        dbc.Alert(t("sim.not_official", lang), color="warning", className="py-2"),
        html.H2(t("sim.presets", lang), className="h5"),
        preset_links,
        SV.citation(st, lang),
        dbc.Row([
            dbc.Col([controls(st, lang),
                     html.Div([
                         html.H2(t("sim.share_h", lang), className="h6"),
                         html.P(html.A(t("sim.permalink", lang), href=_href(token, lang), id=PERMALINK)),
                         dbc.Button(t("sim.export.json", lang), id=EXPORT_JSON, color="secondary", size="sm",
                                    className="me-2 mb-2"),
                         dbc.Button(t("sim.export.csv", lang), id=EXPORT_CSV, color="secondary", size="sm",
                                    className="mb-2"),
                         # wrapped in a <label>: the upload's hidden file input gets its name from the text
                         html.Label(dcc.Upload(html.Span(t("sim.import", lang)), id=IMPORT, className="sim-upload",
                                               accept=".json,.csv,application/json,text/csv",
                                               max_size=files.MAX_FILE), className="d-block"),
                         html.P(id=IMPORT_MSG, className="small", role="status"),
                     ], className="mb-3"),
                     ], lg=3, md=4),
            dbc.Col([
                html.Div(id=ERROR, role="alert", className="text-danger"),
                html.P(r["totals"], id=TOTALS, className="fw-semibold"),
                ui.summary(r["summary"], id=SUMMARY),
                html.H2(r["mb"]["title"], id=MAP_TITLE, className="h6"),
                html.Figure([
                    html.Div(dcc.Graph(id=MAP, figure=SV.map_figure(r["mb"], lang), config=F.graph_config("map", lang),
                                       className="map-graph"), className="map-wrap"),
                    html.Figcaption(html.Div(ui.legend(r["mb"]["legend"], t("sim.legend", lang), lang), id=LEGEND),
                                    className="map-caption"),
                ], className="obs-figure map-figure"),
                html.Div([
                    html.Label(t("sim.why_pick", lang), htmlFor=WHY_PICK, className="form-label"),
                    dcc.Dropdown(id=WHY_PICK, options=SV.municipality_options(), value=pick_id, clearable=False,
                                 searchable=True),
                    html.P(SV.why_for(res, pick_id, lang), id=WHY, className="mt-2", **{"aria-live": "polite"}),
                ], className="mb-3"),
                html.H2(t("sim.changes_h", lang), className="h5 mt-3"),
                html.Div(r["changes"], id=CHANGES, **SCROLL_X),
                html.H2(t("sim.nuts3_h", lang), className="h5 mt-3"),
                html.Div(r["nuts3"], id=NUTS3, **SCROLL_X),
                html.H2(t("sim.size_h", lang), className="h5 mt-3"),
                html.Div(r["size"], id=SIZE, **SCROLL_X),
                html.H2(t("sim.limits_h", lang), className="h5 mt-3"),
                html.Ul(r["limits"], id=LIMITS, className="small"),
            ], lg=9, md=8),
        ]),
        WV.section(lang, ids={"rule": WI_RULE, "value": WI_VALUE, "map": WI_MAP, "legend": WI_LEGEND,
                              "summary": WI_SUMMARY, "list": WI_LIST}),
    ])


# -- callbacks (plain functions, tested directly) ----------------------------------------------

def _triggered():
    """The id that fired the callback (None when called as a plain function, e.g. in tests)."""
    try:
        return dash.ctx.triggered_id
    except dash.exceptions.MissingCallbackContextException:
        return None


@callback(Output(MAP, "figure"), Output(LEGEND, "children"), Output(MAP_TITLE, "children"),
          Output(TOTALS, "children"), Output(SUMMARY, "children"), Output(CHANGES, "children"),
          Output(NUTS3, "children"), Output(SIZE, "children"), Output(LIMITS, "children"),
          Output(SHARES, "children"), Output(ERROR, "children"), Output(CURRENT, "data"), Output(PERMALINK, "href"),
          Output(WHY, "children"),
          Input(BUDGET, "value"), Input({"type": WEIGHT, "index": ALL}, "value"), Input(DENSITY, "value"),
          Input(FLOOR, "value"), Input(CAP, "value"), Input(BASELINE, "value"), State(PAGE, "data"),
          State(WHY_PICK, "value"), prevent_initial_call=True)
def update(budget, weights, density, floor, cap, baseline, page, why_pick=None):
    """Any control: the scenario is rebuilt from the page's base scenario and recomputed; the map is a
    Patch (same layer: classes, hover texts, colours). A bad value leaves the results and says why."""
    page = page or {}
    lang = page.get("lang", "pt")
    base = page.get("base")
    if not isinstance(base, dict):
        raise PreventUpdate
    keep = [no_update] * 10
    try:
        sc = SV.from_controls(base, budget, weights, density, floor, cap, baseline or "none", lang)
        st = SV.State(sc, page.get("preset"), baseline or "none")
        res = SV.simulate(st, lang)
    except (SV.Problem, ValueError) as e:
        field = getattr(e, "field", "")
        return (*keep, t("sim.error", lang, field=field, message=str(e)), no_update, no_update, no_update)
    r = results(st, res, lang)
    token = files.to_token(sc)
    return (SV.map_patch(r["mb"]), ui.legend(r["mb"]["legend"], t("sim.legend", lang), lang), r["mb"]["title"],
            r["totals"], r["summary"], r["changes"], r["nuts3"], r["size"], r["limits"], _shares_text(sc, lang), "",
            token, _href(token, lang), SV.why_for(res, why_pick, lang))


@callback(Output(WHY_PICK, "value"), Input(MAP, "clickData"), prevent_initial_call=True)
def pick_on_map(click):
    """A click on a municipality explains its amount."""
    try:
        loc = click["points"][0]["location"]
    except (KeyError, IndexError, TypeError):
        raise PreventUpdate from None
    if not isinstance(loc, str):
        raise PreventUpdate
    return loc


@callback(Output(WHY, "children", allow_duplicate=True), Input(WHY_PICK, "value"), State(CURRENT, "data"),
          State(PAGE, "data"), prevent_initial_call=True)
def explain(dico, token, page):
    lang = (page or {}).get("lang", "pt")
    if not isinstance(token, str) or not isinstance(dico, str):
        raise PreventUpdate
    try:
        sc = files.from_token(token)
        res = SV.simulate(SV.State(sc, sc.preset, sc.baseline.key if sc.baseline.kind == "actual" else "none"), lang)
    except (files.ImportError_, SV.Problem, ValueError):
        raise PreventUpdate from None
    return SV.why_for(res, dico, lang)


@callback(Output(DOWNLOAD, "data"), Input(EXPORT_JSON, "n_clicks"), Input(EXPORT_CSV, "n_clicks"),
          State(CURRENT, "data"), State(PAGE, "data"), prevent_initial_call=True)
def export(n_json, n_csv, token, page):
    lang = (page or {}).get("lang", "pt")
    if not isinstance(token, str) or not token:
        raise PreventUpdate
    try:
        sc = files.from_token(token)
    except (files.ImportError_, ValueError):
        raise PreventUpdate from None
    trig = _triggered() or (EXPORT_CSV if n_csv else EXPORT_JSON)
    if trig == EXPORT_JSON and n_json:
        return dcc.send_string(files.scenario_json(sc), "cenario.json", type="application/json")
    if trig == EXPORT_CSV and n_csv:
        st = SV.State(sc, sc.preset, sc.baseline.key if sc.baseline.kind == "actual" else "none")
        res = SV.simulate(st, lang)
        return dcc.send_string(files.results_csv(sc, res["rows"], res["summary"]), "simulacao.csv", type="text/csv")
    raise PreventUpdate


@callback(Output(NAV, "href"), Output(IMPORT_MSG, "children"), Input(IMPORT, "contents"), State(PAGE, "data"),
          prevent_initial_call=True)
def import_file(contents, page):
    """An exported JSON or CSV: the page reopens on it (its permalink); a bad file says which field."""
    lang = (page or {}).get("lang", "pt")
    if not isinstance(contents, str) or "," not in contents:
        return no_update, t("sim.import.bad", lang, message="—")
    try:
        text = base64.b64decode(contents.split(",", 1)[1], validate=False).decode("utf-8-sig")
        sc = files.parse(text)
    except files.ImportError_ as e:
        return no_update, t("sim.import.bad", lang, message=f"{e.field}: {e}")
    except SV.ValidationError as e:
        err = SV.errors(e)[0]
        return no_update, t("sim.import.bad", lang, message=f"{err['field']}: {err['message']}")
    except (ValueError, UnicodeDecodeError):
        return no_update, t("sim.import.bad", lang, message=t("sim.import.unreadable", lang))
    return _href(files.to_token(sc), lang), t("sim.import.ok", lang)


@callback(Output(WI_MAP, "figure"), Output(WI_LEGEND, "children"), Output(WI_SUMMARY, "children"),
          Output(WI_LIST, "children"), Output(WI_VALUE, "value"),
          Input(WI_RULE, "value"), Input(WI_VALUE, "value"), State(PAGE, "data"), prevent_initial_call=True)
def whatif(rule, value, page):
    lang = (page or {}).get("lang", "pt")
    new_rule = _triggered() == WI_RULE
    out = WV.compute(rule, None if new_rule else value, lang)
    if out is None:
        raise PreventUpdate
    return (WV.patch(out), out["legend"], out["summary"], out["list"],
            out["threshold"] if new_rule else no_update)


# The URL follows the scenario (history.replaceState: no reload), so the address bar is the permalink.
clientside_callback(
    """function(token, page) {
        if (!token || !page) { return ''; }
        var q = 's=' + token + (page.lang === 'en' ? '&lang=en' : '');
        window.history.replaceState(window.history.state, '', '/simulacao?' + q);
        var sw = document.getElementById('shell-lang');
        if (sw) { sw.setAttribute('href', '/simulacao?s=' + token + (page.lang === 'en' ? '' : '&lang=en')); }
        return q;
    }""",
    Output(URL_SINK, "children"), Input(CURRENT, "data"), State(PAGE, "data"), prevent_initial_call=True)
