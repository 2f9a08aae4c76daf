"""Sobre: sources, licences and attribution, and how indicators, aggregations and alarms are computed."""
from __future__ import annotations

import json

import dash
from dash import dcc, html

from serving import data
from core import fmt as F
from web import alarm_view as AV
from web import territory_view as tv
from core.i18n import DEFAULT, area_label, lang_of, page_title, pick, t
from core.vocabulary import LEVEL_ORDER, STATUSES, label
from web import ui

dash.register_page(__name__, path="/sobre", name="Sobre", title=page_title("page.sobre"),
                   order=9, nav=True)


#: General attributions for the sources the Observatório draws on (data system, SOURCES.md): id, producer
#: (a proper name, in Portuguese), address; the description and licence terms are catalogue texts
#: `about.attr.<id>.description` / `.licence`.
ATTRIBUTIONS = [
    ('dgt', 'DGT — Carta Administrativa Oficial de Portugal (CAOP)', 'https://www.dgterritorio.gov.pt/'),
    ('ipma', 'IPMA', 'https://www.ipma.pt/'),
    ('gadm', 'GADM', 'https://gadm.org/'),
    ('ine', 'INE — Instituto Nacional de Estatística', 'https://www.ine.pt/'),
    ('pordata', 'PORDATA', 'https://www.pordata.pt/'),
    ('mai', 'MAI/SGMAI — Administração Eleitoral', 'https://www.eleicoes.mai.gov.pt/'),
    ('dgs', 'DGS — Direção-Geral da Saúde', 'https://www.dgs.pt/'),
    ('dgal', 'DGAL — Direção-Geral das Autarquias Locais', 'https://portalautarquico.dgal.gov.pt/'),
    ('eea', 'EEA — European Environment Agency', 'https://www.eea.europa.eu/'),
    ('impic', 'IMPIC — Portal BASE', 'https://www.base.gov.pt/'),
]


def attributions(lang: str) -> html.Ul:
    # the producers' names are proper names in Portuguese: marked as such for screen readers (WCAG 3.1.2)
    return html.Ul([html.Li([html.A(name, href=url, lang="pt-PT"), f" — {t(f'about.attr.{i}.description', lang)} ",
                             html.Span(t("about.licence_is", lang, licence=t(f"about.attr.{i}.licence", lang)))])
                    for i, name, url in ATTRIBUTIONS])


def catalogue_list(lang: str) -> html.Div:
    """Every declared source: title (link), producer, licence, rows read in the latest build."""
    cat = data.source_catalogue()
    lin = data.lineage()
    rows_by = {r["source_id"]: r for r in lin.to_dict("records")} if len(lin) else {}
    items = []
    for s in cat:
        ln = rows_by.get(s["id"])
        read = (f"{F.number(ln['rows_read'], 0, lang)} / {F.number(ln['rows_rejected'], 0, lang)}" if ln else "—")
        title = html.A(s["title"], href=s["url"]) if s.get("url") else s["title"]
        items.append(html.Li([
            html.Strong(title, lang="pt-PT"),
            html.Dl([html.Dt(t("about.producer", lang)), html.Dd(s["producer"], lang="pt-PT"),
                     html.Dt(t("about.licence", lang)), html.Dd(s["licence"], lang="pt-PT"),
                     html.Dt(t("about.rows", lang)), html.Dd(read)], className="obs-source-facts"),
        ], className="obs-source"))
    out = [html.Ul(items, className="list-unstyled obs-sources")]
    if lang != DEFAULT:  # the catalogue is quoted as declared, in pt-PT: say so in any other language
        out.insert(0, html.P(t("about.catalogue_pt", lang), className="small"))
    return html.Div(out)


def indicators_table(lang: str):
    inds = data.indicators()
    body = []
    for r in inds.to_dict("records"):
        try:
            meta = json.loads(r["meta_json"])
        except (TypeError, ValueError):
            meta = {}
        srcs = "; ".join(f"{s.get('producer', '')} ({pick({'pt': s.get('licence', ''), 'en': s.get('licence_en')}, lang)})"
                         for s in meta.get("sources", []))
        agg = r.get("aggregation") or ""
        def lab(k):
            return {"data-label": t(f"about.{k}", lang)}
        body.append(html.Tr([
            html.Th(dcc.Link(tv.title(r, lang), href=tv.href(f"/indicador/{r['indicator_id']}", lang)), scope="row"),
            html.Td(html.Span(area_label(r["area"], lang)), **lab("area")),
            html.Td(html.Span(tv.unit(r, lang)), **lab("unit")),
            html.Td(html.Span(label("agg", agg, lang)), **lab("aggregation")),
            html.Td(html.Span(srcs), **lab("source"))]))
    head = html.Thead(html.Tr([html.Th(x, scope="col") for x in (
        t("about.indicator", lang), t("about.area", lang), t("about.unit", lang), t("about.aggregation", lang), t("about.source", lang))]))
    # cards on phones and tablets (obs-stack-table): every cell readable without sideways scrolling
    return html.Table([html.Caption(t("about.ind_caption", lang)), head, html.Tbody(body)],
                      className="table table-sm obs-table obs-stack-table obs-about-indicators")


def build_note(lang: str):
    try:
        b = data.build_info()
    except data.NoDatabase:
        return None
    if not b:
        return None
    out = [html.P(t("about.build", lang, when=F.datetime(b.get("started_at"), lang), run=b.get("run_id", ""),
                     n=F.number(b.get("n_indicators"), 0, lang), v=F.number(b.get("n_values"), 0, lang)))]
    if b.get("is_demo"):
        out.append(html.P(html.Strong(t("about.demo", lang))))
    return html.Div(out)


def layout(lang: str | None = None, **_):
    lang = lang_of(lang)
    sections = [("fontes", "sources"), ("indicadores", "indicators"), ("metodo", "method"), ("api", "api_h"),
                ("acessibilidade", "a11y_h")]
    return html.Div([
        html.H1(t("about.h1", lang)),
        html.P(t("about.lead", lang), className="lead"),
        html.Nav([html.H2(t("about.toc", lang), className="h6", id="sobre-toc"),
                  html.Ul([html.Li(html.A(t(f"about.{k}", lang), href=f"#{a}")) for a, k in sections])],
                 **{"aria-labelledby": "sobre-toc"}),
        html.Section([
            html.H2(t("about.sources", lang), id="fontes"),
            html.P(t("about.sources_lead", lang)),
            html.H3(t("about.attribution", lang)), attributions(lang),
            html.H3(t("about.catalogue", lang)), catalogue_list(lang),
        ]),
        html.Section([html.H2(t("about.indicators", lang), id="indicadores"), indicators_table(lang)]),
        html.Section([
            html.H2(t("about.method", lang), id="metodo"),
            html.H3(t("about.m_ind_h", lang)), html.P(t("about.m_ind", lang)),
            html.H3(t("about.m_agg_h", lang)), html.P(t("about.m_agg", lang)),
            html.Ul([html.Li(t(f"about.{k}", lang)) for k in ("agg_sum", "agg_ratio", "agg_wmean", "agg_none")]),
            html.H3(t("about.m_peer_h", lang)), html.P(t("about.m_peer", lang)),
            html.H3(t("about.m_alarm_h", lang), id="regras-alarme"), html.P(t("about.m_alarm", lang)),
            html.Ul([html.Li(t(f"about.{k}", lang)) for k in ("r_absolute", "r_deviation", "r_trend", "r_missing")]),
            html.P(t("about.levels", lang)),
            html.Ul([html.Li(AV.level_badge(k, lang)) for k in LEVEL_ORDER], className="list-inline"),
            html.P(t("about.statuses", lang) + ", ".join(s.label(lang) for s in STATUSES.values()) + "."),
            html.P(t("about.m_alarm_kinds", lang)),
        ]),
        html.Section([
            html.H2(t("about.api_h", lang), id="api"),
            html.P(t("about.api", lang)),
            html.Ul([html.Li(html.A(t("about.api_docs", lang), href=ui.href("/api/docs", lang),
                                    id="sobre-api-docs")),
                     html.Li(html.A(t("about.openapi", lang), href="/api/v1/openapi.json"))]),
            html.H3(t("about.build_h", lang)), build_note(lang),
        ]),
        html.Section([
            html.H2(t("about.a11y_h", lang), id="acessibilidade"), html.P(t("about.a11y", lang)),
            html.H2(t("about.code_h", lang)), html.P(t("about.code", lang)),
        ]),
    ], className="obs-about")
