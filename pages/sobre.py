"""Sobre: sources, licences and attribution, and how indicators, aggregations and alarms are computed."""
from __future__ import annotations

import json

import dash
from dash import dcc, html

from serving import data
from core import fmt as F
from web import alarm_view as AV
from web import territory_view as tv
from core.i18n import area_label, lang_of, page_title

dash.register_page(__name__, path="/sobre", name="Sobre", name_en="About", title=page_title("Sobre", "About"),
                   order=9, nav=True)

TEXT = {
    "h1": ("Sobre o Observatório", "About the Observatório"),
    "lead": ("O Observatório reúne indicadores territoriais de Portugal e dos 308 municípios, a partir de fontes "
             "oficiais, para apoiar decisões públicas informadas pelos dados (Estratégia Nacional para os "
             "Territórios Inteligentes).",
             "The Observatório brings together territorial indicators for Portugal and its 308 municipalities, "
             "from official sources, to support data-informed public decisions (National Strategy for Smart "
             "Territories)."),
    "toc": ("Nesta página", "On this page"),
    "sources": ("Fontes, licenças e atribuição", "Sources, licences and attribution"),
    "sources_lead": ("Cada valor indica a sua fonte. Ao reutilizar os dados, cite a fonte original e o Observatório.",
                     "Every value names its source. When reusing the data, cite the original source and the "
                     "Observatório."),
    "attribution": ("Atribuições gerais", "General attributions"),
    "catalogue": ("Fontes lidas na última construção", "Sources read in the latest build"),
    "catalogue_pt": ("", "Each source's title, producer and licence terms are quoted as the source catalogue "
                         "declares them, in Portuguese."),
    "cat_caption": ("Fontes de dados: produtor, licença, ficheiro e linhas lidas",
                    "Data sources: producer, licence, file and rows read"),
    "producer": ("Produtor", "Producer"),
    "licence": ("Licença", "Licence"),
    "source": ("Fonte", "Source"),
    "rows": ("Linhas lidas / rejeitadas", "Rows read / rejected"),
    "indicators": ("Indicadores e as suas fontes", "Indicators and their sources"),
    "ind_caption": ("Indicadores publicados: área, unidade, agregação regional e fontes",
                    "Published indicators: area, unit, regional aggregation and sources"),
    "area": ("Área", "Area"),
    "unit": ("Unidade", "Unit"),
    "aggregation": ("Agregação", "Aggregation"),
    "method": ("Como se calcula", "How it is computed"),
    "m_ind_h": ("Indicadores", "Indicators"),
    "m_ind": ("Cada indicador é definido num único ficheiro (título, unidade, casas decimais, sentido — "
              "se mais alto "
              "é melhor —, regra de agregação, limiares e metas). Os valores municipais vêm da fonte; os valores "
              "provisórios, estimados e as quebras de série ficam assinalados.",
              "Each indicator is defined in one file (title, unit, decimals, polarity — "
              "whether higher is better —, "
              "aggregation rule, thresholds and targets). Municipal values come from the source; provisional and "
              "estimated values and series breaks are flagged."),
    "m_agg_h": ("Agregações regionais", "Regional aggregations"),
    "m_agg": ("Os valores das regiões (NUTS III, II, I e o país) usam o valor oficial quando a fonte o publica; "
              "caso contrário são calculados a partir dos municípios:",
              "Regional values (NUTS 3, 2, 1 and the country) use the official value when the source publishes "
              "it; otherwise they are computed from the municipalities:"),
    "agg_sum": ("soma — contagens (por exemplo, população) somam-se;",
                "sum — counts (e.g. population) are added;"),
    "agg_ratio": ("razão das somas — taxas recalculadas como soma dos numeradores ÷ soma dos denominadores "
                  "(nunca a média das taxas);",
                  "ratio of sums — rates recomputed as the sum of numerators ÷ the sum of denominators "
                  "(never the mean of the rates);"),
    "agg_wmean": ("média ponderada pela população residente (Censos 2021) — "
                  "quando não há numerador e denominador;",
                  "population-weighted mean (Census 2021 residents) — when there is no numerator and denominator;"),
    "agg_none": ("não agregável — só há valores regionais quando a fonte os publica.",
                 "not aggregable — regional values only where the source publishes them."),
    "m_peer_h": ("Grupos de pares e posição", "Peer groups and position"),
    "m_peer": ("Cada município compara-se com grupos de pares: os municípios da mesma NUTS III, da mesma CIM/AM, "
               "de dimensão semelhante, de perfil semelhante e os vizinhos. A posição face aos pares "
               "diz-se «acima» (acima do 3.º quartil dos pares), «semelhante» (entre o 1.º e o 3.º quartis) ou "
               "«abaixo» (abaixo do 1.º quartil), com pelo menos 3 pares com valor, e indica se isso é melhor ou "
               "pior segundo o sentido do indicador. As regiões "
               "comparam-se com as outras regiões do mesmo nível.",
               "Each municipality is compared with peer groups: the municipalities of the same NUTS 3, the same "
               "CIM/AM, of similar size, of similar profile and its neighbours. The position against the peers "
               "is “above” (above the peers' upper quartile), “similar” (between the quartiles) or “below” "
               "(below the lower quartile), with at least 3 peers with a value, and says whether that is better "
               "or worse given the indicator's polarity. Regions "
               "are compared with the other regions of the same level."),
    "m_alarm_h": ("Alarmes", "Alarms"),
    "m_alarm": ("Um alarme assinala um indicador de um território segundo regras declaradas no ficheiro do "
                "indicador. Cada alarme guarda a regra, o limiar, o valor e a referência com que foi calculado, "
                "e uma frase que o explica. Tipos de regra:",
                "An alarm flags an indicator of a territory by rules declared in the indicator's file. Each "
                "alarm keeps the rule, threshold, value and reference it was computed from, and one sentence "
                "that explains it. Rule types:"),
    "m_alarm_kinds": ("Limiar oficial: fixado em lei ou por uma entidade oficial, citada em cada alarme. Regra "
                      "analítica: uma regra do Observatório para assinalar o que merece atenção — não é um limiar "
                      "legal nem uma infração. Um alarme está ativo enquanto não é resolvido e a sua série continua "
                      "atual (o indicador ainda é publicado e o território tem um valor recente); os outros ficam no "
                      "histórico. Valores provisórios (um ano ou uma semana incompletos) são mostrados e assinalados, "
                      "mas nunca avaliados por uma regra.",
                      "Official threshold: set in law or by an official body, cited in every alarm. Analytical rule: "
                      "a rule of the Observatório to flag what deserves attention — not a legal threshold nor a "
                      "breach. An alarm is active until it is resolved or its series stops being current (the "
                      "indicator is still published and the territory has a recent value); the others go to the "
                      "history. Provisional values (an incomplete year or week) are shown and flagged, but never "
                      "evaluated by a rule."),
    "r_absolute": ("limiar absoluto — o valor passa um limite fixo (oficial quando a fonte é citada);",
                   "absolute threshold — the value crosses a fixed limit (official when a source is cited);"),
    "r_deviation": ("desvio — o valor afasta-se da referência (país, NUTS III ou pares) mais do que k desvios "
                    "absolutos medianos ou uma razão;",
                    "deviation — the value departs from the reference (country, NUTS 3 or peers) by more than k "
                    "median absolute deviations or a ratio;"),
    "r_trend": ("tendência — o indicador piora mais do que uma percentagem em N períodos;",
                "trend — the indicator worsens by more than a percentage over N periods;"),
    "r_missing": ("dados em falta — sem valor nos últimos N períodos.",
                  "missing data — no value in the last N periods."),
    "levels": ("Níveis (ícone e nome, nunca só a cor):", "Levels (icon and name, never colour alone):"),
    "statuses": ("Estados: ", "Statuses: "),
    "api_h": ("Dados abertos e API", "Open data and API"),
    "api": ("Todos os dados públicos podem ser descarregados (CSV em formato longo, CSV para Excel, ZIP com "
            "metadados) e consultados pela API de leitura.",
            "All public data can be downloaded (tidy CSV, CSV for Excel, ZIP with metadata) and queried through "
            "the read-only API."),
    "openapi": ("Documento OpenAPI da API (/api/v1/openapi.json)", "The API's OpenAPI document (/api/v1/openapi.json)"),
    "api_docs": ("Documentação da API: acesso, formatos, licenças, exemplos e todos os endpoints (/api/docs)",
                 "API documentation: access, formats, licences, examples and every endpoint (/api/docs)"),
    "build_h": ("Versão dos dados", "Data version"),
    "build": ("Base de dados construída em {when} (execução {run}); {n} indicadores, {v} valores.",
              "Database built on {when} (run {run}); {n} indicators, {v} values."),
    "demo": ("Atenção: esta instalação mostra dados de demonstração (sintéticos).",
             "Note: this installation shows demo (synthetic) data."),
    "a11y_h": ("Acessibilidade", "Accessibility"),
    "a11y": ("O Observatório segue as WCAG 2.1 nível AA: navegação por teclado com foco visível, contraste "
             "suficiente, cada gráfico tem uma frase-resumo e uma tabela alternativa, e os níveis de alarme têm "
             "ícone e nome. As páginas são verificadas automaticamente com axe-core.",
             "The Observatório follows WCAG 2.1 level AA: keyboard navigation with visible focus, sufficient "
             "contrast, every chart has a one-sentence summary and a table alternative, and alarm levels carry "
             "an icon and a name. Pages are checked automatically with axe-core."),
    "code_h": ("Código e licença", "Code and licence"),
    "code": ("O código do Observatório é publicado sob a licença EUPL-1.2.",
             "The Observatório's code is published under the EUPL-1.2 licence."),
}

#: General attributions for the sources the Observatório draws on (data system, SOURCES.md).
ATTRIBUTIONS = [
    ("DGT — Carta Administrativa Oficial de Portugal (CAOP)", "CC BY 4.0",
     ("Limites dos municípios (Açores: CAOP 2016; continente: derivado IPMA/CAOP).",
      "Municipal boundaries (Azores: CAOP 2016; mainland: IPMA/CAOP derivative)."),
     "https://www.dgterritorio.gov.pt/"),
    ("IPMA", ("Dados abertos; atribuir IPMA e DGT", "Open data; attribute IPMA and DGT"),
     ("Camada de concelhos do continente.", "Mainland municipality layer."), "https://www.ipma.pt/"),
    ("GADM", ("Uso não comercial; redistribuição sujeita a autorização",
              "Non-commercial use; redistribution needs permission"),
     ("Limites da Madeira, até haver CAOP disponível.", "Madeira boundaries, until CAOP is available."),
     "https://gadm.org/"),
    ("INE — Instituto Nacional de Estatística",
     ("Reutilização com citação da fonte", "Reuse with source citation"),
     ("Censos 2021, estimativas de população, rendas e preços da habitação.",
      "Census 2021, population estimates, rents and housing prices."), "https://www.ine.pt/"),
    ("PORDATA", ("Reutilização com citação «Fonte: PORDATA»", "Reuse citing “Source: PORDATA”"),
     ("Séries municipais (envelhecimento, poder de compra, população estrangeira…).",
      "Municipal series (ageing, purchasing power, foreign population…)."), "https://www.pordata.pt/"),
    ("MAI/SGMAI — Administração Eleitoral", ("Dados oficiais; 2025: CC BY 4.0 (tratamento PÚBLICO)",
                                             "Official data; 2025: CC BY 4.0 (processed by PÚBLICO)"),
     ("Resultados e participação nas eleições autárquicas.", "Local election results and turnout."),
     "https://www.eleicoes.mai.gov.pt/"),
    ("DGS — Direção-Geral da Saúde", ("Dados abertos (via Data Science for Social Good Portugal)",
                                      "Open data (via Data Science for Social Good Portugal)"),
     ("Óbitos (SICO) e incidência de COVID-19 por município.",
      "Deaths (SICO) and COVID-19 incidence by municipality."),
     "https://www.dgs.pt/"),
    ("DGAL — Direção-Geral das Autarquias Locais", ("Dados oficiais", "Official data"),
     ("Endividamento e prazo médio de pagamentos dos municípios.", "Municipal debt and average payment period."),
     "https://portalautarquico.dgal.gov.pt/"),
    ("EEA — European Environment Agency", "CC BY 4.0",
     ("Qualidade do ar por estação de medição.", "Air quality by monitoring station."),
     "https://www.eea.europa.eu/"),
    ("IMPIC — Portal BASE", ("Dados abertos", "Open data"),
     ("Contratos públicos celebrados pelos municípios.", "Public contracts signed by municipalities."),
     "https://www.base.gov.pt/"),
]


def tx(key: str, lang: str, **kw) -> str:
    pt, en = TEXT[key]
    s = en if lang == "en" else pt
    return s.format(**kw) if kw else s


def _pick(v, lang):
    return v if isinstance(v, str) else (v[1] if lang == "en" else v[0])


def attributions(lang: str) -> html.Ul:
    # the producers' names are proper names in Portuguese: marked as such for screen readers (WCAG 3.1.2)
    return html.Ul([html.Li([html.A(name, href=url, lang="pt-PT"), f" — {_pick(desc, lang)} ",
                             html.Span(f"{tx('licence', lang)}: {_pick(lic, lang)}.")])
                    for name, lic, desc, url in ATTRIBUTIONS])


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
            html.Dl([html.Dt(tx("producer", lang)), html.Dd(s["producer"], lang="pt-PT"),
                     html.Dt(tx("licence", lang)), html.Dd(s["licence"], lang="pt-PT"),
                     html.Dt(tx("rows", lang)), html.Dd(read)], className="obs-source-facts"),
        ], className="obs-source"))
    out = [html.Ul(items, className="list-unstyled obs-sources")]
    if lang == "en":
        out.insert(0, html.P(tx("catalogue_pt", lang), className="small"))
    return html.Div(out)


def indicators_table(lang: str):
    from core.i18n import t
    inds = data.indicators()
    body = []
    for r in inds.to_dict("records"):
        try:
            meta = json.loads(r["meta_json"])
        except (TypeError, ValueError):
            meta = {}
        srcs = "; ".join(f"{s.get('producer', '')} ({(s.get('licence_en') if lang == 'en' else None) or s.get('licence', '')})"
                         for s in meta.get("sources", []))
        agg = r.get("aggregation") or ""
        def lab(k):
            return {"data-label": tx(k, lang)}
        body.append(html.Tr([
            html.Th(dcc.Link(tv.title(r, lang), href=tv.href(f"/indicador/{r['indicator_id']}", lang)), scope="row"),
            html.Td(html.Span(area_label(r["area"], lang)), **lab("area")),
            html.Td(html.Span(tv.unit(r, lang)), **lab("unit")),
            html.Td(html.Span(t(f"agg.{agg}", lang) if f"agg.{agg}" in _agg_keys() else agg), **lab("aggregation")),
            html.Td(html.Span(srcs), **lab("source"))]))
    head = html.Thead(html.Tr([html.Th(x, scope="col") for x in (
        t("profile.indicator", lang), tx("area", lang), tx("unit", lang), tx("aggregation", lang), tx("source", lang))]))
    # cards on phones and tablets (obs-stack-table): every cell readable without sideways scrolling
    return html.Table([html.Caption(tx("ind_caption", lang)), head, html.Tbody(body)],
                      className="table table-sm obs-table obs-stack-table obs-about-indicators")


def _agg_keys():
    from core.i18n import keys
    return set(keys("agg."))


def build_note(lang: str):
    try:
        b = data.build_info()
    except data.NoDatabase:
        return None
    if not b:
        return None
    out = [html.P(tx("build", lang, when=F.datetime(b.get("started_at"), lang), run=b.get("run_id", ""),
                     n=F.number(b.get("n_indicators"), 0, lang), v=F.number(b.get("n_values"), 0, lang)))]
    if b.get("is_demo"):
        out.append(html.P(html.Strong(tx("demo", lang))))
    return html.Div(out)


def layout(lang: str | None = None, **_):
    lang = lang_of(lang)
    sections = [("fontes", "sources"), ("indicadores", "indicators"), ("metodo", "method"), ("api", "api_h"),
                ("acessibilidade", "a11y_h")]
    lv, st = AV.alarm_levels(), AV.alarm_statuses()
    return html.Div([
        html.H1(tx("h1", lang)),
        html.P(tx("lead", lang), className="lead"),
        html.Nav([html.H2(tx("toc", lang), className="h6", id="sobre-toc"),
                  html.Ul([html.Li(html.A(tx(k, lang), href=f"#{a}")) for a, k in sections])],
                 **{"aria-labelledby": "sobre-toc"}),
        html.Section([
            html.H2(tx("sources", lang), id="fontes"),
            html.P(tx("sources_lead", lang)),
            html.H3(tx("attribution", lang)), attributions(lang),
            html.H3(tx("catalogue", lang)), catalogue_list(lang),
        ]),
        html.Section([html.H2(tx("indicators", lang), id="indicadores"), indicators_table(lang)]),
        html.Section([
            html.H2(tx("method", lang), id="metodo"),
            html.H3(tx("m_ind_h", lang)), html.P(tx("m_ind", lang)),
            html.H3(tx("m_agg_h", lang)), html.P(tx("m_agg", lang)),
            html.Ul([html.Li(tx(k, lang)) for k in ("agg_sum", "agg_ratio", "agg_wmean", "agg_none")]),
            html.H3(tx("m_peer_h", lang)), html.P(tx("m_peer", lang)),
            html.H3(tx("m_alarm_h", lang), id="regras-alarme"), html.P(tx("m_alarm", lang)),
            html.Ul([html.Li(tx(k, lang)) for k in ("r_absolute", "r_deviation", "r_trend", "r_missing")]),
            html.P(tx("levels", lang)),
            html.Ul([html.Li(AV.level_badge(k, lang)) for k in lv], className="list-inline"),
            html.P(tx("statuses", lang) + ", ".join(v["en" if lang == "en" else "pt"] for v in st.values()) + "."),
            html.P(tx("m_alarm_kinds", lang)),
        ]),
        html.Section([
            html.H2(tx("api_h", lang), id="api"),
            html.P(tx("api", lang)),
            html.Ul([html.Li(html.A(tx("api_docs", lang), href="/api/docs" + ("?lang=en" if lang == "en" else ""),
                                    id="sobre-api-docs")),
                     html.Li(html.A(tx("openapi", lang), href="/api/v1/openapi.json"))]),
            html.H3(tx("build_h", lang)), build_note(lang),
        ]),
        html.Section([
            html.H2(tx("a11y_h", lang), id="acessibilidade"), html.P(tx("a11y", lang)),
            html.H2(tx("code_h", lang)), html.P(tx("code", lang)),
        ]),
    ], className="obs-about")
