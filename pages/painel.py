"""Painel: the national cockpit for decision-makers — per policy area, headline indicators (latest value,
change, territorial disparity and whether it narrows), target statuses and active alarms, each linking
to its drill-down. Builders in web/cockpit_view.py; no callbacks (every view is a permalink)."""
from __future__ import annotations

import dash
from dash import dcc, html

from core.i18n import lang_of, page_title, t
from web import cockpit_view as CV
from web import ui

dash.register_page(__name__, path="/painel", name="Painel", name_en="Cockpit", title=page_title("page.painel"),
                   order=1, nav=True)


def layout(lang: str | None = None, **_):
    lang = lang_of(lang)
    return html.Div([
        html.H1(t("painel.h1", lang)),
        html.P(t("painel.lead", lang)),
        html.P([t("painel.method", lang), " ", dcc.Link(t("painel.all_targets", lang), href=ui.href("/metas", lang))],
               className="small"),
        html.Div(CV.area_sections(lang), id="painel-areas"),
    ], className="painel-page")
