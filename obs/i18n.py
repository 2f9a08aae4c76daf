"""Interface texts in pt-PT (default) and English; the language travels in the URL (`?lang=en`).

`t(key, lang, **fmt)` looks a text up; an unknown key raises (a test checks every key has both
languages). Indicator texts (title, unit, …) come from the registry, not from here.
"""
from __future__ import annotations

LANGS = ("pt", "en")
DEFAULT = "pt"
HTML_LANG = {"pt": "pt-PT", "en": "en"}

TEXTS: dict[str, tuple[str, str]] = {
    # shell
    "site.title": ("Observatório", "Observatório"),
    "site.tagline": ("Dashboard de Políticas Públicas · Observatório do Poder Local",
                     "Public-Policy Dashboard · Local Power Observatory"),
    "nav.label": ("Navegação principal", "Main navigation"),
    "nav.toggle": ("Abrir ou fechar o menu", "Open or close the menu"),
    "nav.skip": ("Saltar para o conteúdo", "Skip to content"),
    "lang.switch": ("English", "Português"),
    "lang.switch.label": ("Ver esta página em inglês", "View this page in Portuguese"),
    "search.label": ("Procurar lugares e indicadores", "Search places and indicators"),
    "search.placeholder": ("Município, região ou tema…", "Municipality, region or topic…"),
    "search.none": ("Nenhum território encontrado para «{q}».", "No territory found for “{q}”."),
    "search.nothing": ("Nada encontrado para «{q}». Experimente o nome de um município, de uma região ou de um tema "
                       "(p. ex. dívida, idosos, habitação).",
                       "Nothing found for “{q}”. Try the name of a municipality, a region or a topic "
                       "(e.g. debt, elderly, housing)."),
    "search.results": ("Resultados da pesquisa", "Search results"),
    "search.places": ("Lugares", "Places"),
    "search.indicators": ("Indicadores", "Indicators"),
    "search.n_places.one": ("1 lugar", "1 place"),
    "search.n_places": ("{n} lugares", "{n} places"),
    "search.n_indicators.one": ("1 indicador", "1 indicator"),
    "search.n_indicators": ("{n} indicadores", "{n} indicators"),
    "search.and": ("e", "and"),
    "search.count": ("{what}. Setas para percorrer, Enter para abrir.", "{what}. Arrow keys to move, Enter to open."),
    "demo.banner": ("Dados de demonstração — valores sintéticos, não oficiais.",
                    "Demo data — synthetic values, not official."),
    "footer.data": ("Dados: fontes oficiais indicadas em cada indicador. Última atualização: {when}.",
                    "Data: official sources given with each indicator. Last updated: {when}."),
    "footer.api": ("API e dados abertos", "API and open data"),
    "footer.licence": ("Código EUPL-1.2", "Code EUPL-1.2"),
    "nodb": ("A base de dados ainda não foi construída. Execute `make build`.",
             "The database has not been built yet. Run `make build`."),
    # levels
    "level.municipio": ("Município", "Municipality"),
    "level.nuts3": ("NUTS III", "NUTS 3"),
    "level.nuts2": ("NUTS II", "NUTS 2"),
    "level.nuts1": ("NUTS I", "NUTS 1"),
    "level.pais": ("País", "Country"),
    "level.distrito": ("Distrito", "District"),
    "level.ilha": ("Ilha", "Island"),
    "level.cim": ("CIM", "CIM"),
    "level.am": ("Área Metropolitana", "Metropolitan Area"),
    "levels.municipio": ("Municípios", "Municipalities"),
    "levels.nuts3": ("NUTS III", "NUTS 3 regions"),
    "levels.nuts2": ("NUTS II", "NUTS 2 regions"),
    # errors
    "err.404.title": ("Página não encontrada", "Page not found"),
    "err.404.body": ("Não existe nenhuma página neste endereço.", "There is no page at this address."),
    "err.404.indicator": ("Não conhecemos o indicador «{id}».", "We don't know the indicator “{id}”."),
    "err.404.territory": ("Não conhecemos o território «{id}».", "We don't know the territory “{id}”."),
    "err.400.title": ("Pedido inválido", "Invalid request"),
    "err.400.body": ("Alguns parâmetros do endereço não são válidos:", "Some parameters in the address are not valid:"),
    "err.param": ("«{name}» = «{value}» não é válido. Valores válidos: {valid}.",
                  "“{name}” = “{value}” is not valid. Valid values: {valid}."),
    "err.known.indicators": ("Indicadores disponíveis:", "Available indicators:"),
    "err.home": ("Voltar ao início", "Back to the home page"),
    # Início
    "home.title": ("Início", "Home"),
    "home.h1": ("Observatório do Poder Local", "Local Power Observatory"),
    "home.lead": ("Indicadores territoriais de Portugal e dos 308 municípios, a partir de fontes oficiais.",
                  "Territorial indicators for Portugal and its 308 municipalities, from official sources."),
    "home.lead.demo": ("Demonstração: indicadores sintéticos sobre a lista oficial dos 308 municípios — "
                       "nenhum valor desta página é oficial.",
                       "Demonstration: synthetic indicators over the official list of the 308 municipalities — "
                       "no figure on this page is official."),
    "home.headlines": ("Indicadores principais", "Headline indicators"),
    "home.headline.latest": ("Portugal, {period}", "Portugal, {period}"),
    "home.headline.change": ("{change} desde {period}", "{change} since {period}"),
    "home.headline.nochange": ("Sem período anterior para comparar", "No earlier period to compare"),
    "home.headline.open": ("Ver indicador", "Open indicator"),
    "home.alarms": ("Alarmes por área e nível", "Alarms by policy area and level"),
    "home.alarms.none": ("Não há alarmes ativos.", "There are no active alarms."),
    "home.alarms.area": ("Área", "Area"),
    "home.alarms.total": ("Total", "Total"),
    "home.alarms.open": ("Ver todos os alarmes", "See all alarms"),
    "home.alarms.caption": ("Alarmes ativos por área de política e nível de gravidade",
                            "Active alarms by policy area and severity level"),
    "home.map": ("Mapa em destaque: {title}", "Featured map: {title}"),
    "home.map.table": ("Tabela com os valores do mapa", "Table of the map's values"),
    "home.fresh": ("Atualidade dos dados", "How fresh the data are"),
    "home.fresh.built": ("Base de dados construída em {when}.", "Database built on {when}."),
    "home.fresh.latest": ("Período mais recente", "Latest period"),
    "home.fresh.indicator": ("Indicador", "Indicator"),
    "home.fresh.caption": ("Período mais recente com dados, por indicador",
                           "Latest period with data, by indicator"),
    "home.noindicators": ("Ainda não há indicadores na base de dados.", "There are no indicators in the database yet."),
    "alarm.informacao": ("Informação", "Information"),
    "alarm.atencao": ("Atenção", "Warning"),
    "alarm.critico": ("Crítico", "Critical"),
    # Indicador
    "ind.title": ("Indicador", "Indicator"),
    "ind.controls": ("Opções do mapa", "Map options"),
    "ind.period": ("Período", "Period"),
    "ind.level": ("Nível territorial", "Territorial level"),
    "ind.classification": ("Classificação", "Classification"),
    "ind.view": ("Tipo de mapa", "Map type"),
    "view.mapa": ("Mapa geográfico", "Geographic map"),
    "view.tiles": ("Mapa de quadrados", "Tile map"),
    "class.quantis": ("Quantis (5 classes)", "Quantiles (5 classes)"),
    "class.intervalos": ("Intervalos iguais (5 classes)", "Equal intervals (5 classes)"),
    "class.limiares": ("Limiares do indicador", "Indicator thresholds"),
    "class.limiares.none": ("Este indicador não tem limiares; usados quantis.",
                            "This indicator has no thresholds; quantiles used."),
    # threshold classes (obs/figures.py threshold_labels): each class says what its values mean
    "class.limiares.within": ("nenhum limiar ultrapassado", "no threshold crossed"),
    "class.limiares.crossed.above": ("acima do limiar «{level}»", "above the “{level}” threshold"),
    "class.limiares.crossed.below": ("abaixo do limiar «{level}»", "below the “{level}” threshold"),
    "class.limiares.analytic": ("regra analítica", "analytical rule"),
    "class.limiares.between": ("{low} e {high}", "{low} and {high}"),
    "class.limiares.note": ("Classes pelos limiares do indicador — {sources}.",
                            "Classes by the indicator's thresholds — {sources}."),
    "nodata": ("Sem dados", "No data"),
    "map.summary": ("{title}, {period}, {levels}: de {min} ({min_name}) a {max} ({max_name}); mediana {median}; "
                    "{n_missing} sem dados.",
                    "{title}, {period}, {levels}: from {min} ({min_name}) to {max} ({max_name}); median {median}; "
                    "{n_missing} with no data."),
    "map.summary.empty": ("{title}, {period}, {levels}: sem dados.", "{title}, {period}, {levels}: no data."),
    "map.table_hint": ("A tabela «Classificação» abaixo mostra os mesmos valores.",
                       "The “Ranking” table below shows the same values."),
    "map.hover.class": ("Classe", "Class"),
    "map.hover.rank": ("Posição", "Rank"),
    "tab.serie": ("Série temporal", "Time series"),
    "tab.ranking": ("Classificação", "Ranking"),
    "tab.distribuicao": ("Distribuição", "Distribution"),
    "tab.metadados": ("Metadados e fontes", "Metadata and sources"),
    "tab.downloads": ("Downloads", "Downloads"),
    "series.select": ("Territórios a comparar com o país", "Territories to compare with the country"),
    "series.country": ("Portugal", "Portugal"),
    "series.summary": ("{title} em {who}: {first} em {first_period} e {last} em {last_period}.",
                       "{title} in {who}: {first} in {first_period} and {last} in {last_period}."),
    "series.summary.one": ("{title} em {who}: {value} em {period} (um só período).",
                           "{title} in {who}: {value} in {period} (a single period)."),
    "series.summary.empty": ("{title} não tem valor nacional (há valores oficiais só para: {levels}). "
                             "Escolha territórios acima para ver a sua evolução.",
                             "{title} has no national value (official values exist only for: {levels}). "
                             "Choose territories above to see how they changed."),
    "series.empty": ("Sem valores para mostrar.", "No values to show."),
    "series.table": ("Tabela com os valores da série", "Table of the series' values"),
    "series.caption": ("{title}: valores por período", "{title}: values by period"),
    "rank.caption": ("{title}, {period}: {levels} ordenados do valor mais alto para o mais baixo",
                     "{title}, {period}: {levels} from the highest value to the lowest"),
    "rank.caption.sorted": ("{title}, {period}: {levels} ordenados {order}", "{title}, {period}: {levels} {order}"),
    "rank.pos": ("N.º", "No."),
    "rank.territory": ("Território", "Territory"),
    "rank.value": ("Valor", "Value"),
    "rank.class": ("Classe no mapa", "Map class"),
    "rank.sort": ("Ordenar por {column}", "Sort by {column}"),
    "rank.sorted.pos.asc": ("do valor mais alto para o mais baixo", "from the highest value to the lowest"),
    "rank.sorted.pos.desc": ("do valor mais baixo para o mais alto", "from the lowest value to the highest"),
    "rank.sorted.value.desc": ("do valor mais alto para o mais baixo", "from the highest value to the lowest"),
    "rank.sorted.value.asc": ("do valor mais baixo para o mais alto", "from the lowest value to the highest"),
    "rank.sorted.territory.asc": ("por ordem alfabética (A–Z)", "in alphabetical order (A–Z)"),
    "rank.sorted.territory.desc": ("por ordem alfabética inversa (Z–A)", "in reverse alphabetical order (Z–A)"),
    "tabs.label": ("Mais sobre o indicador", "More about the indicator"),
    "pick.open": ("Abrir a página de {name}", "Open the page of {name}"),
    "pick.add": ("Adicionar à série temporal", "Add to the time series"),
    "pick.close": ("Fechar", "Close"),
    "dist.summary": ("Distribuição de {n} {levels} em {period}: metade entre {q1} e {q3}; valor nacional {nat}.",
                     "Distribution of {n} {levels} in {period}: half between {q1} and {q3}; national value {nat}."),
    "dist.count": ("Número de territórios", "Number of territories"),
    "dist.national": ("Portugal", "Portugal"),
    "meta.description": ("Descrição", "Description"),
    "meta.unit": ("Unidade", "Unit"),
    "meta.polarity": ("Sentido", "Polarity"),
    "meta.aggregation": ("Agregação regional", "Regional aggregation"),
    "meta.periodicity": ("Periodicidade", "Periodicity"),
    "meta.sources": ("Fontes", "Sources"),
    "meta.licence": ("Licença", "Licence"),
    "meta.caveats": ("Notas e limitações", "Notes and caveats"),
    "meta.thresholds": ("Limiares de alarme", "Alarm thresholds"),
    "meta.targets": ("Metas", "Targets"),
    "meta.area": ("Área de política", "Policy area"),
    "polarity.higher_is_better": ("Mais alto é melhor", "Higher is better"),
    "polarity.lower_is_better": ("Mais baixo é melhor", "Lower is better"),
    "polarity.neutral": ("Neutro", "Neutral"),
    "agg.sum": ("Soma dos valores municipais", "Sum of municipal values"),
    "agg.ratio": ("Razão das somas (numerador / denominador)", "Ratio of sums (numerator / denominator)"),
    "agg.weighted_mean": ("Média ponderada pela população", "Population-weighted mean"),
    "agg.none": ("Não agregável", "Not aggregable"),
    "dl.filtered": ("CSV com o filtro do ecrã", "CSV with the on-screen filter"),
    "dl.filtered_excel": ("CSV para Excel (ponto e vírgula) com o filtro do ecrã", "CSV for Excel (semicolon) with the on-screen filter"),
    "dl.all": ("CSV com todos os valores do indicador", "CSV with all of the indicator's values"),
    "dl.zip": ("Pacote ZIP (CSV + metadados + LEIA-ME)", "ZIP package (CSV + metadata + README)"),
    "dl.api": ("API: /api/v1/indicators/{id}", "API: /api/v1/indicators/{id}"),
    "dl.embed": ("Incorporar este mapa noutro sítio (iframe)", "Embed this map elsewhere (iframe)"),
    "dl.embed_chart": ("Incorporar a série temporal (iframe)", "Embed the time series (iframe)"),
    "dl.permalink": ("Endereço permanente desta vista", "Permanent address of this view"),
    # sharing, downloaded images, social previews
    "share.copy_view": ("Copiar a ligação desta vista", "Copy the link to this view"),
    "share.copy_chart": ("Copiar ligação", "Copy link"),
    "share.copied": ("Ligação copiada", "Link copied"),
    "share.select": ("Ligação selecionada: prima Ctrl+C (ou ⌘+C) para a copiar",
                     "Link selected: press Ctrl+C (or ⌘+C) to copy it"),
    "share.url": ("Ligação para partilhar", "Link to share"),
    "share.tools": ("Partilhar e descarregar: {chart}", "Share and download: {chart}"),
    "share.download_png": ("Descarregar imagem PNG", "Download PNG image"),
    "share.download_svg": ("Descarregar imagem SVG", "Download SVG image"),
    "share.downloaded": ("Imagem descarregada", "Image downloaded"),
    "share.failed": ("Não foi possível criar a imagem", "The image could not be made"),
    "share.chart.map": ("Mapa", "Map"),
    "share.chart.series": ("Série temporal", "Time series"),
    "share.chart.dist": ("Distribuição", "Distribution"),
    "export.source": ("Fonte: {sources}", "Source: {sources}"),
    "export.licence": ("Licença: {licence}", "Licence: {licence}"),
    "export.series.subtitle": ("{who}, {first}–{last}", "{who}, {first}–{last}"),
    "export.series.one": ("{who}, {period}", "{who}, {period}"),
    "export.map.subtitle": ("{levels}, {period}", "{levels}, {period}"),
    "export.dist.subtitle": ("Distribuição dos {levels}, {period}", "Distribution of {levels}, {period}"),
    "og.alarms.title": ("Alarmes", "Alarms"),
    "og.alarms.description": ("Os indicadores dos municípios e regiões que ultrapassaram um limiar, "
                              "explicados numa frase, com o seu histórico.",
                              "The indicators of municipalities and regions that crossed a threshold, explained "
                              "in one sentence, with their history."),
    "og.about.title": ("Sobre", "About"),
    "og.about.description": ("Fontes, licenças e atribuição; como se calculam os indicadores, as agregações, "
                             "os pares e os alarmes.",
                             "Sources, licences and attribution; how indicators, aggregations, peers and alarms "
                             "are computed."),
    "og.compare.title": ("Comparar", "Compare"),
    "og.compare.description": ("Até 10 municípios ou regiões lado a lado: tabela e gráficos.",
                               "Up to 10 municipalities or regions side by side: table and charts."),
    "og.territory.description": ("{name} ({level}): todos os indicadores, os alarmes ativos explicados e a "
                                 "comparação com territórios semelhantes.",
                                 "{name} ({level}): every indicator, its active alarms explained, and how it "
                                 "compares with similar territories."),
    "og.territory.card": ("{level} · indicadores, alarmes e pares", "{level} · indicators, alarms and peers"),
    # embed
    "embed.source": ("Fonte: {sources}. Licença: {licence}. Observatório.",
                     "Source: {sources}. Licence: {licence}. Observatório."),
    "dl.embed.howto": ("Cole este código na sua página: a moldura ocupa a largura disponível e ajusta a altura ao "
                       "conteúdo (se o seu sítio retirar o script, fica com a altura indicada).",
                       "Paste this code into your page: the frame takes the available width and fits its height "
                       "to the content (if your site strips the script, it keeps the given height)."),
    "dl.embed.copy": ("Copiar o código", "Copy the code"),
    "dl.embed.copied": ("Código copiado", "Code copied"),
    "dl.embed.code_map": ("Código para incorporar o mapa", "Code to embed the map"),
    "dl.embed.code_chart": ("Código para incorporar a série temporal", "Code to embed the time series"),
    "embed.full": ("Ver no Observatório", "Open in the Observatório"),
}


def request_lang() -> str:
    """The language of the page being served: `?lang=` of a direct load, or of the address a Dash
    navigation callback carries (its `.search` input). Dash computes page titles from path variables
    only; this lets a title follow the language. pt-PT outside a request."""
    try:
        import flask
        if not flask.has_request_context():
            return DEFAULT
        from urllib.parse import parse_qs
        from dash import ctx
        try:
            inputs = ctx.inputs or {}
        except Exception:  # noqa: BLE001 — not inside a callback: a direct page load
            inputs = {}
        for key, v in inputs.items():
            if key.endswith(".search") and isinstance(v, str):
                return lang_of((parse_qs(v.lstrip("?")).get("lang") or [""])[0])
        return lang_of(flask.request.args.get("lang"))
    except Exception:  # noqa: BLE001 — a title must never fail a page
        return DEFAULT


def page_title(pt: str, en: str):
    """A `dash.register_page(title=…)` that follows the language: "Comparar · Observatório"."""
    def title(**_):
        return f"{en if request_lang() == 'en' else pt} · Observatório"
    return title


#: a disambiguating suffix of a territory's unique name -> its level (pt "Lisboa (Distrito)")
_SUFFIX_LEVEL = {"(Distrito)": "distrito", "(NUTS III)": "nuts3", "(NUTS II)": "nuts2", "(NUTS I)": "nuts1",
                 "(Área Metropolitana)": "am"}


def territory_name(name_unique: str, lang: str = DEFAULT) -> str:
    """A territory's unique name with its disambiguating level in the language:
    "Lisboa (Distrito)" -> en "Lisboa (District)"; names themselves are never translated."""
    if lang != "en" or not isinstance(name_unique, str):
        return name_unique
    for suffix, level in _SUFFIX_LEVEL.items():
        if name_unique.endswith(" " + suffix):
            return f"{name_unique[: -len(suffix) - 1]} ({t('level.' + level, 'en')})"
    return name_unique


def lang_of(value) -> str:
    """Normalise a language parameter; anything unknown falls back to pt."""
    v = (value or "").strip().lower()[:2] if isinstance(value, str) else ""
    return v if v in LANGS else DEFAULT


def t(key: str, lang: str = DEFAULT, **fmt) -> str:
    pt, en = TEXTS[key]
    s = en if lang == "en" else pt
    return s.format(**fmt) if fmt else s


def pick(d: dict | None, lang: str = DEFAULT) -> str:
    """A registry text {'pt': …, 'en': …} in the language (falls back to pt)."""
    if not d:
        return ""
    if isinstance(d, str):
        return d
    return (d.get("en") if lang == "en" else None) or d.get("pt") or ""


def short_unit(ind, lang: str = DEFAULT) -> str:
    """An indicator's short unit in the language (registry `short_unit` / `short_unit_en`; a row of
    dim_indicator or any mapping with those keys). English falls back to the pt-PT unit."""
    if lang == "en":
        en = ind.get("short_unit_en")
        if isinstance(en, str):
            return en
    v = ind.get("short_unit")
    return v if isinstance(v, str) else ""


def area_label(area: str, lang: str = DEFAULT) -> str:
    from indicators.model import AREAS
    pt, en = AREAS.get(area, (area, area))
    return en if lang == "en" else pt


def level_label(level: str, lang: str = DEFAULT, plural: bool = False) -> str:
    key = f"levels.{level}" if plural and f"levels.{level}" in TEXTS else f"level.{level}"
    return t(key, lang) if key in TEXTS else level
