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
    "series.summary": ("{title} em Portugal: {first} em {first_period} e {last} em {last_period}.",
                       "{title} in Portugal: {first} in {first_period} and {last} in {last_period}."),
    "series.summary.empty": ("Sem valores nacionais para {title}.", "No national values for {title}."),
    "series.table": ("Tabela com os valores da série", "Table of the series' values"),
    "series.caption": ("{title}: valores por período", "{title}: values by period"),
    "rank.caption": ("{title}, {period}: {levels} ordenados do valor mais alto para o mais baixo",
                     "{title}, {period}: {levels} from the highest value to the lowest"),
    "rank.pos": ("N.º", "No."),
    "rank.territory": ("Território", "Territory"),
    "rank.value": ("Valor", "Value"),
    "rank.class": ("Classe no mapa", "Map class"),
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
    # embed
    "embed.source": ("Fonte: {sources}. Observatório.", "Source: {sources}. Observatório."),
    "embed.full": ("Ver no Observatório", "Open in the Observatório"),
}


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


def area_label(area: str, lang: str = DEFAULT) -> str:
    from indicators.model import AREAS
    pt, en = AREAS.get(area, (area, area))
    return en if lang == "en" else pt


def level_label(level: str, lang: str = DEFAULT, plural: bool = False) -> str:
    key = f"levels.{level}" if plural and f"levels.{level}" in TEXTS else f"level.{level}"
    return t(key, lang) if key in TEXTS else level
