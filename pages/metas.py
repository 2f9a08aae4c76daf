"""Metas: every policy target, its status nationally and the distribution of municipal statuses.

`/metas?area=ambiente&regiao=PT11&meta=<id>&estado=deterioration` — filters by policy area and region (a
plain GET form: every view is a permalink, no callback), a target's drill-down (`meta`) with every
territory's status and the CSV of the API, and the CSV of the whole list.
"""
from __future__ import annotations

import dash
from dash import dcc, html

from core.i18n import area_label, lang_of, page_title, t, territory_name
from core.progress import STATUSES
from serving import data
from web import targets_view as TV
from web import territory_view as tv
from web import ui

dash.register_page(__name__, path="/metas", name="Metas", name_en="Targets", title=page_title("page.metas"),
                   order=5, nav=True)

REGION_LEVELS = ["nuts2", "nuts3"]


def _regions() -> list[dict]:
    return data.territories(REGION_LEVELS).to_dict("records")


def validate(area, regiao, meta, estado, lang) -> list[str]:
    from indicators.model import AREAS
    errs = []
    if area and area not in AREAS:
        errs.append(t("metas.err.area", lang, value=area, valid=", ".join(AREAS)))
    if regiao and regiao not in {r["territory_id"] for r in _regions()}:
        errs.append(t("metas.err.region", lang, value=regiao))
    if estado and estado not in STATUSES:
        errs.append(t("metas.err.status", lang, value=estado, valid=", ".join(STATUSES)))
    return errs


@ui.status_check("/metas")
def status(area=None, regiao=None, meta=None, estado=None, lang=None, **_):
    lang = lang_of(lang)
    if validate(area, regiao, meta, estado, lang):
        return 400
    if meta and data.target(meta) is None:
        return 404
    return 200


def _filters(area, regiao, lang) -> html.Form:
    from indicators.model import AREAS
    areas = sorted({a for a in data.targets()["area"]}, key=list(AREAS).index)
    opt = lambda v, label, cur: html.Option(label, value=v, selected=(v == (cur or "")))  # noqa: E731
    return html.Form([
        html.Div([html.Label(t("metas.f.area", lang), htmlFor="metas-area", className="form-label small mb-0"),
                  html.Select([opt("", t("metas.f.all", lang), area)] + [opt(a, area_label(a, lang), area) for a in areas],
                              id="metas-area", name="area", className="form-select form-select-sm")],
                 className="me-2 mb-2"),
        html.Div([html.Label(t("metas.f.region", lang), htmlFor="metas-region", className="form-label small mb-0"),
                  html.Select([opt("", t("metas.f.country", lang), regiao)]
                              + [opt(r["territory_id"], territory_name(r["name_unique"], lang), regiao) for r in _regions()],
                              id="metas-region", name="regiao", className="form-select form-select-sm")],
                 className="me-2 mb-2"),
        dcc.Input(type="hidden", name="lang", value="en") if lang == "en" else None,
        html.Button(t("metas.f.apply", lang), type="submit", className="btn btn-primary btn-sm mb-2 align-self-end"),
    ], method="get", action="/metas", className="d-flex flex-wrap align-items-end", role="search",
        **{"aria-label": t("metas.f.label", lang)})


def layout(area: str | None = None, regiao: str | None = None, meta: str | None = None,
           estado: str | None = None, lang: str | None = None, **_):
    lang = lang_of(lang)
    area, regiao, meta, estado = (x.strip() if isinstance(x, str) and x.strip() else None
                                  for x in (area, regiao, meta, estado))
    errs = validate(area, regiao, meta, estado, lang)
    if errs:
        return tv.problem_page("400", " ".join(errs), lang)
    detail = None
    if meta:
        detail = TV.detail(meta, lang, regiao, estado)
        if detail is None:
            return tv.problem_page("404", t("metas.err.unknown", lang, value=meta), lang)
    summary = data.target_summary(regiao)
    if area:
        summary = summary[summary["area"] == area]
    region_name = None
    if regiao:
        r = data.territory(regiao)
        region_name = territory_name(r["name_unique"], lang) if r else regiao
    csv = "/api/v1/targets?format=csv" + ("&dialect=excel" if lang != "en" else "&lang=en")
    return html.Div([
        html.H1(t("metas.h1", lang)),
        html.P(t("metas.lead", lang)),
        html.P([t("metas.method", lang), " ", dcc.Link(t("metas.cockpit", lang), href=ui.href("/painel", lang))],
               className="small"),
        detail,
        html.Section([html.H2(t("metas.f.h", lang), className="h5"), _filters(area, regiao, lang)],
                     className="mb-2"),
        html.P([html.A([html.I(className="bi bi-download me-1", **{"aria-hidden": "true"}), t("metas.csv.all", lang)],
                       href=csv, className="btn btn-outline-secondary btn-sm", id="metas-csv",
                       download="metas.csv")]),
        html.P(t("metas.count", lang, n=len(summary)), className="small", id="metas-count"),
        html.Div(TV.metas_list(summary, lang, regiao, region_name), id="metas-list"),
    ], className="metas-page")
