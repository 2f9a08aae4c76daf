"""Shared building blocks of the Território, Comparar, Alarmes and Sobre pages (issue 4).

The lower half are pure functions (DataFrames in, values or Dash components out); the profile
builders at the end read through serving.data only. No SQL, no file I/O, no mutable module state.
Texts are (pt, en) pairs.
"""
from __future__ import annotations

import math
from urllib.parse import quote, urlencode

import pandas as pd
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from serving import data
from web import alarm_view
from core import vocabulary as AL
from core import fmt as F
from web.figures import graph_config
from core.i18n import short_unit, territory_name

# -- texts ------------------------------------------------------------------------------------

TEXT: dict[str, tuple[str, str]] = {
    "latest": ("Último valor", "Latest value"),
    "trend": ("Tendência", "Trend"),
    "national": ("Portugal", "Portugal"),
    "peer_median": ("Mediana dos pares", "Peer median"),
    "position": ("Posição face aos pares", "Position against peers"),
    "indicator": ("Indicador", "Indicator"),
    "period": ("Período", "Period"),
    "alarms": ("Alarmes", "Alarms"),
    "active_alarms": ("Alarmes ativos", "Active alarms"),
    "no_alarms": ("Sem alarmes ativos.", "No active alarms."),
    "no_data": ("Sem dados", "No data"),
    "no_values": ("Os indicadores não são agregados a este nível territorial. Veja os municípios abaixo ou "
                  "as NUTS, que têm valores regionais.",
                  "Indicators are not aggregated to this territorial level. See the municipalities below or the "
                  "NUTS regions, which have regional values."),
    "compare_members": ("Comparar os municípios desta região (até 10)",
                        "Compare this region's municipalities (up to 10)"),
    "position_rule": ("Como se lê a posição: «acima» quando o valor é maior do que o 3.º quartil (P75) dos pares, "
                      "«abaixo» quando é menor do que o 1.º quartil (P25), «semelhante» quando fica entre os dois "
                      "(no intervalo interquartil, onde está a metade central dos pares). É preciso que pelo menos "
                      "3 pares tenham valor. «Melhor» ou «pior» segue o sentido do indicador.",
                      "How to read the position: “above” when the value is higher than the peers' upper quartile "
                      "(P75), “below” when it is lower than their lower quartile (P25), “similar” when it lies "
                      "between the two (within the interquartile range, where the middle half of the peers is). At "
                      "least 3 peers must have a value. “Better” or “worse” follows the indicator's polarity."),
    "why_similar": ("no intervalo interquartil dos pares: {q1}–{q3}", "within the peers' interquartile range: {q1}–{q3}"),
    "why_above": ("acima do P75 dos pares: {q3}", "above the peers' P75: {q3}"),
    "why_below": ("abaixo do P25 dos pares: {q1}", "below the peers' P25: {q1}"),
    "few_peers": ("menos de 3 pares com valor", "fewer than 3 peers with a value"),
    "peers_list": ("Os pares", "The peers"),
    "see_peers": ("Ver os {n} pares", "See the {n} peers"),
    "alike_in": ("parecido em", "alike in"),
    "above": ("acima", "above"),
    "below": ("abaixo", "below"),
    "similar": ("semelhante", "similar"),
    "better": ("melhor", "better"),
    "worse": ("pior", "worse"),
    "peer_group": ("Grupo de pares", "Peer group"),
    "peers": ("Pares", "Peers"),
    "members": ("Municípios da região", "Municipalities in the region"),
    "downloads": ("Descarregar dados", "Download data"),
    "csv_tidy": ("CSV (formato longo)", "CSV (tidy)"),
    "csv_excel": ("CSV para Excel", "CSV for Excel"),
    "zip": ("ZIP com metadados", "ZIP with metadata"),
    "population": ("População (Censos 2021)", "Population (Census 2021)"),
    "area_km2": ("Área", "Area"),
    "band_title": ("Comparação com os pares ao longo do tempo", "Comparison with peers over time"),
    "band_choose": ("Indicador do gráfico", "Chart indicator"),
    "table_alt": ("Ver os dados do gráfico em tabela", "Show the chart data as a table"),
    "iqr": ("Pares: intervalo interquartil (P25–P75)", "Peers: interquartile range (P25–P75)"),
    "p25": ("P25 dos pares", "Peers P25"),
    "p75": ("P75 dos pares", "Peers P75"),
    "min": ("Mínimo dos pares", "Peers minimum"),
    "max": ("Máximo dos pares", "Peers maximum"),
    "n_peers": ("N.º de pares", "No. of peers"),
    "see_chart": ("ver gráfico", "see chart"),
    "profile": ("Indicadores", "Indicators"),
    "not_found_title": ("Página não encontrada", "Page not found"),
    "bad_request_title": ("Pedido inválido", "Invalid request"),
    "back_home": ("Voltar à página inicial", "Back to the home page"),
    "since": ("desde", "since"),
    "level": ("Nível", "Level"),
    "status": ("Estado", "Status"),
    "territory": ("Território", "Territory"),
    "explanation": ("Explicação", "Explanation"),
    "history": ("Histórico", "History"),
    "value": ("Valor", "Value"),
    "threshold": ("Limiar", "Threshold"),
    "reference": ("Referência", "Reference"),
    "official": ("Limiar oficial", "Official threshold"),
    "flagged": ("Sinalizado", "Flagged"),
    "yes": ("sim", "yes"),
    "no": ("não", "no"),
}

#: peer group labels: the closed list in core.vocabulary, plus regions' same-level group
GROUP_LABELS: dict[str, tuple[str, str]] = {
    **{k: (g.label("pt"), g.label("en")) for k, g in AL.PEER_GROUPS.items()},
    "level": ("Regiões do mesmo nível", "Regions of the same level"),
}


def tr(key: str, lang: str) -> str:
    pt, en = TEXT[key]
    return en if lang == "en" else pt


def label(pair: tuple[str, str] | None, lang: str, default: str = "") -> str:
    if not pair:
        return default
    return pair[1] if lang == "en" else pair[0]



# -- numbers ----------------------------------------------------------------------------------

def is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def fmt_number(v, decimals: int | None = 1, lang: str = "pt") -> str:
    """pt-PT: 1 234,5 · en: 1,234.5 (core.fmt)."""
    d = 1 if decimals is None or is_missing(decimals) else int(decimals)
    return F.number(v, d, lang)


def fmt_value(v, ind: dict, lang: str) -> str:
    """A value with its decimals and short unit."""
    d = ind.get("decimals")
    return F.value(v, 1 if d is None or is_missing(d) else int(d), short_unit(ind, lang), lang)


def title(ind: dict, lang: str) -> str:
    return ind.get("title_en") if lang == "en" and ind.get("title_en") else ind.get("title_pt", "")


def unit(ind: dict, lang: str) -> str:
    return (ind.get("unit_en") if lang == "en" else ind.get("unit_pt")) or short_unit(ind, lang)


def period_label(row, lang: str, mark: bool = False) -> str:
    """A period's label; with `mark`, a provisional value's period says so ("2022 (provisório)")."""
    label = str(row.get("label_en") if lang == "en" else row.get("label_pt") or row.get("period_id"))
    if mark and bool(row.get("is_provisional") or False):
        label += " (provisional)" if lang == "en" else " (provisório)"
    return label


def href(path: str, lang: str, **params) -> str:
    """A link that keeps the language; empty parameters are dropped."""
    q = {k: v for k, v in params.items() if v not in (None, "", [], ())}
    if lang == "en":
        q["lang"] = "en"
    return path + ("?" + urlencode(q, safe=",") if q else "")


# -- sparklines -------------------------------------------------------------------------------

def sparkline(values: list[float], alt: str, width: int = 120, height: int = 28) -> html.Img:
    """A tiny inline SVG line (as an <img> with alt text), rendered server-side: ~30 on a page stay light."""
    pts = [float(v) for v in values if not is_missing(v)]
    if len(pts) < 2:
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>'
    else:
        lo, hi = min(pts), max(pts)
        span = (hi - lo) or 1.0
        pad = 3
        xs = [pad + i * (width - 2 * pad) / (len(pts) - 1) for i in range(len(pts))]
        ys = [height - pad - (v - lo) / span * (height - 2 * pad) for v in pts]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="#1f4e8c" stroke-width="1.6" '
               f'points="{path}"/><circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.4" fill="#1f4e8c"/></svg>')
    return html.Img(src="data:image/svg+xml;charset=utf-8," + quote(svg), alt=alt,
                    width=width, height=height, className="obs-sparkline")


def trend_alt(s: pd.DataFrame, ind: dict, lang: str) -> str:
    s = s.dropna(subset=["value"])
    if len(s) < 2:
        return tr("no_data", lang) if s.empty else (
            f"{period_label(s.iloc[0], lang)}: {fmt_value(s.iloc[0]['value'], ind, lang)}")
    a, b = s.iloc[0], s.iloc[-1]
    if lang == "en":
        return (f"{period_label(a, lang)}–{period_label(b, lang)}: from {fmt_value(a['value'], ind, lang)} "
                f"to {fmt_value(b['value'], ind, lang)}")
    return (f"{period_label(a, lang)}–{period_label(b, lang)}: de {fmt_value(a['value'], ind, lang)} "
            f"para {fmt_value(b['value'], ind, lang)}")


# -- positions --------------------------------------------------------------------------------

def position_of(value, median, tolerance: float = 0.05) -> str | None:
    """above|similar|below against one reference value (similar within ±5 % of it)."""
    if is_missing(value) or is_missing(median):
        return None
    if abs(value - median) <= tolerance * max(abs(median), 1e-9):
        return "similar"
    return "above" if value > median else "below"


def peer_position_of(value, peer_values) -> str | None:
    """The peer position rule (TEXTS["position_rule"] says it in words): above Q3, below Q1, similar between;
    at least 3 peers with a value."""
    pv = pd.Series(list(peer_values), dtype="float64").dropna()
    if is_missing(value) or len(pv) < 3:
        return None
    q1, q3 = pv.quantile(0.25), pv.quantile(0.75)
    return "above" if value > q3 else "below" if value < q1 else "similar"


def position_words(position: str | None, polarity: str | None, lang: str) -> str:
    """Words, not colour: 'acima (melhor)'."""
    if position not in ("above", "below", "similar"):
        return "—"
    words = tr(position, lang)
    if position != "similar" and polarity in ("higher_is_better", "lower_is_better"):
        good = (position == "above") == (polarity == "higher_is_better")
        words += f" ({tr('better' if good else 'worse', lang)})"
    return words


def position_icon(position: str | None) -> str:
    return {"above": "▲", "below": "▼", "similar": "●"}.get(position if isinstance(position, str) else "", "")


def position_reason(row: dict, ind: dict, lang: str) -> str:
    """Why the position is what it is, with the quartiles it was decided on: "no intervalo interquartil
    dos pares: 180,0–340,0" (so "semelhante" next to a value far from the median is no contradiction)."""
    pos = row.get("position")
    if pos not in ("above", "below", "similar"):
        return tr("few_peers", lang) if not is_missing(row.get("peer_median")) else ""
    q1, q3 = row.get("peer_q1"), row.get("peer_q3")
    if is_missing(q1) or is_missing(q3):
        return ""
    d = ind.get("decimals")
    return tr(f"why_{pos}", lang).format(q1=fmt_number(q1, d, lang), q3=fmt_number(q3, d, lang))


def profile_rows(inds: pd.DataFrame, own: pd.DataFrame, nat: pd.DataFrame, peer_vals: pd.DataFrame,
                 stored_positions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator: latest value and period, national value and peer median at that
    period, peer count and position. Stored positions (fact_peer_position) win over computed ones.

    own, nat: series of the territory and of Portugal; peer_vals: values of the peers
    (indicator_id, territory_id, period_id, value).
    """
    rows = []
    stored = {}
    if stored_positions is not None and len(stored_positions):
        for r in stored_positions.to_dict("records"):
            stored[(r["indicator_id"], r["period_id"])] = r
    for ind in inds.to_dict("records"):
        iid = ind["indicator_id"]
        s = own[(own["indicator_id"] == iid) & own["value"].notna()]
        row = {"indicator_id": iid, "value": None, "period_id": None, "label_pt": None, "label_en": None,
               "national": None, "peer_median": None, "peer_q1": None, "peer_q3": None, "peer_n": 0,
               "position": None}
        if len(s):
            last = s.iloc[-1]
            row.update(value=float(last["value"]), period_id=last["period_id"],
                       label_pt=last["label_pt"], label_en=last["label_en"])
            n = nat[(nat["indicator_id"] == iid) & (nat["period_id"] == last["period_id"])]
            if len(n) and not is_missing(n.iloc[0]["value"]):
                row["national"] = float(n.iloc[0]["value"])
            st = stored.get((iid, last["period_id"]))
            if st is not None and not is_missing(st.get("peer_median")):
                pos = st.get("position")
                q1, q3 = st.get("peer_q1"), st.get("peer_q3")
                row.update(peer_median=float(st["peer_median"]), peer_n=int(st.get("peer_n") or 0),
                           peer_q1=None if is_missing(q1) else float(q1), peer_q3=None if is_missing(q3) else float(q3),
                           position=pos if pos in ("above", "below", "similar") else None)
            elif len(peer_vals):
                pv = peer_vals[(peer_vals["indicator_id"] == iid) & (peer_vals["period_id"] == last["period_id"])
                               & peer_vals["value"].notna()]
                if len(pv):
                    row.update(peer_median=float(pv["value"].median()), peer_n=int(len(pv)),
                               peer_q1=float(pv["value"].quantile(0.25)), peer_q3=float(pv["value"].quantile(0.75)),
                               position=peer_position_of(row["value"], pv["value"]))
        rows.append(row)
    return pd.DataFrame(rows)


def peer_band(own: pd.DataFrame, nat: pd.DataFrame, peer_vals: pd.DataFrame) -> pd.DataFrame:
    """Per period of one indicator: the territory, Portugal and the peers' min, P25, median, P75, max."""
    periods = (pd.concat([own[["period_id", "start_date", "label_pt", "label_en"]],
                          nat[["period_id", "start_date", "label_pt", "label_en"]]])
               .drop_duplicates("period_id").sort_values("start_date"))
    out = periods.set_index("period_id")
    out["territory"] = own.set_index("period_id")["value"]
    out["national"] = nat.set_index("period_id")["value"] if len(nat) else None
    prov = pd.concat([d.loc[d["is_provisional"].fillna(False).astype(bool), "period_id"]
                      for d in (own, nat) if "is_provisional" in d]) if any("is_provisional" in d for d in (own, nat)) else []
    out["is_provisional"] = out.index.isin(set(prov))
    if len(peer_vals):
        g = peer_vals.dropna(subset=["value"]).groupby("period_id")["value"]
        out["min"], out["p25"], out["median"] = g.min(), g.quantile(0.25), g.median()
        out["p75"], out["max"], out["n"] = g.quantile(0.75), g.max(), g.count()
    else:
        for c in ("min", "p25", "median", "p75", "max", "n"):
            out[c] = None
    return out.reset_index()


def two_line_label(label: str) -> str:
    """A period label on two short lines, so that axis ticks stay horizontal and apart on a phone:
    "4.º trim.<br>2025", "semana 15,<br>2020", "1 jan 2024 –<br>28 fev 2024"; "2021" stays."""
    if " – " in label:
        return label.replace(" – ", " –<br>", 1)
    head, _, tail = label.rpartition(" ")
    return f"{head}<br>{tail}" if head and len(label) > 6 else label


def band_figure(band: pd.DataFrame, ind: dict, name: str, lang: str, with_peers: bool = True) -> go.Figure:
    x = [two_line_label(period_label(r, lang)) for r in band.to_dict("records")]
    fig = go.Figure()
    if with_peers and band["p25"].notna().any():
        fig.add_trace(go.Scatter(x=x, y=band["p75"], mode="lines", line={"width": 0}, showlegend=False,
                                 hoverinfo="skip", name=tr("p75", lang)))
        fig.add_trace(go.Scatter(x=x, y=band["p25"], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(120,120,120,0.25)", name=tr("iqr", lang)))
        fig.add_trace(go.Scatter(x=x, y=band["median"], mode="lines", name=tr("peer_median", lang),
                                 line={"color": "#555", "dash": "dash"}))
    fig.add_trace(go.Scatter(x=x, y=band["national"], mode="lines+markers", name="Portugal",
                             line={"color": "#8a5a00", "dash": "dot"}, marker={"symbol": "square"}))
    fig.add_trace(go.Scatter(x=x, y=band["territory"], mode="lines+markers", name=name,
                             line={"color": "#1f4e8c", "width": 3}, marker={"symbol": "circle"}))
    # the short unit on the value axis (the long one does not fit a phone), at most 5 horizontal period ticks
    fig.update_layout(margin={"l": 8, "r": 12, "t": 10, "b": 8}, height=340, template="plotly_white",
                      legend={"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
                      yaxis={"title": short_unit(ind, lang) or None, "automargin": True},
                      separators=",\u00a0" if lang != "en" else ".,",
                      xaxis={"type": "category", "nticks": 5, "tickangle": 0, "automargin": True})
    return fig


_PREP = {  # position -> (pt feminine, pt masculine, en)
    "above": ("acima da", "acima do", "above the"),
    "below": ("abaixo da", "abaixo do", "below the"),
    "similar": ("semelhante à", "semelhante ao", "similar to the"),
}


def compare_phrase(value, ref, ref_name: tuple[str, str], feminine: bool, ind: dict, lang: str,
                   pos: str | None = None) -> str:
    """'acima da mediana dos pares (52,0 %; melhor)' — position in words, reference value, judgement."""
    pos = pos or position_of(value, ref)
    prep = _PREP[pos][2 if lang == "en" else (0 if feminine else 1)]
    extra = fmt_value(ref, ind, lang)
    if pos != "similar" and ind.get("polarity") in ("higher_is_better", "lower_is_better"):
        good = (pos == "above") == (ind.get("polarity") == "higher_is_better")
        extra += f"; {tr('better' if good else 'worse', lang)}"
    return f"{prep} {ref_name[1] if lang == 'en' else ref_name[0]} ({extra})"


def peer_phrase(r: dict, ind: dict, lang: str) -> str:
    """The territory against its peers by the position rule (quartiles), with the median for scale:
    'acima do P75 dos pares (1 100,0; mediana 1 000,0; pior)'. Under 3 peers: against the median."""
    v, d = r["territory"], ind.get("decimals")
    med = fmt_value(r["median"], ind, lang)
    if (r.get("n") or 0) < 3 or is_missing(r.get("p25")) or is_missing(r.get("p75")):
        return compare_phrase(v, r["median"], ("mediana dos pares", "peer median"), True, ind, lang)
    pos = "above" if v > r["p75"] else "below" if v < r["p25"] else "similar"
    q1, q3 = fmt_number(r["p25"], d, lang), fmt_number(r["p75"], d, lang)
    judge = ""
    if pos != "similar" and ind.get("polarity") in ("higher_is_better", "lower_is_better"):
        good = (pos == "above") == (ind.get("polarity") == "higher_is_better")
        judge = f"; {tr('better' if good else 'worse', lang)}"
    if lang == "en":
        head = {"similar": f"within the peers' interquartile range ({q1}–{q3}", "above": f"above the peers' P75 ({q3}",
                "below": f"below the peers' P25 ({q1}"}[pos]
        return f"{head}; median {med}{judge})"
    head = {"similar": f"no intervalo interquartil dos pares ({q1}–{q3}", "above": f"acima do P75 dos pares ({q3}",
            "below": f"abaixo do P25 dos pares ({q1}"}[pos]
    return f"{head}; mediana {med}{judge})"


def band_summary(band: pd.DataFrame, ind: dict, name: str, lang: str) -> str:
    """One sentence: the latest value against the peer median and the national value."""
    b = band.dropna(subset=["territory"])
    if b.empty:
        return (f"Sem dados de {name} para {title(ind, lang)}." if lang != "en"
                else f"No data for {name} on {title(ind, lang)}.")
    r = b.iloc[-1]
    per = period_label(r, lang, mark=True)
    v = fmt_value(r["territory"], ind, lang)
    parts = []
    if not is_missing(r.get("median")):
        parts.append(peer_phrase(r, ind, lang))
    if not is_missing(r.get("national")):
        parts.append(compare_phrase(r["territory"], r["national"], ("valor nacional", "national value"), False,
                                    ind, lang))
    if lang == "en":
        tail = (", " + " and ".join(parts)) if parts else ""
        return f"In {per}, {name} had {v} for {title(ind, lang)}{tail}."
    tail = (", " + " e ".join(parts)) if parts else ""
    return f"Em {per}, {name} registou {v} em {title(ind, lang)}{tail}."


def band_table(band: pd.DataFrame, ind: dict, name: str, lang: str, with_peers: bool = True) -> html.Table:
    cols = [("territory", name), ("national", "Portugal")]
    if with_peers:
        cols += [("median", tr("peer_median", lang)), ("p25", tr("p25", lang)), ("p75", tr("p75", lang)),
                 ("min", tr("min", lang)), ("max", tr("max", lang))]
    head = html.Thead(html.Tr([html.Th(tr("period", lang), scope="col")]
                              + [html.Th(c[1], scope="col") for c in cols]))
    body = html.Tbody([
        html.Tr([html.Th(period_label(r, lang, mark=True), scope="row")]
                + [html.Td(fmt_value(r.get(c[0]), ind, lang), className="text-end") for c in cols])
        for r in band.to_dict("records")])
    return html.Table([head, body], className="table table-sm obs-table")


def scroll_region(child, aria_label: str, declared: bool = False, **kw) -> html.Div:
    """A horizontally scrollable wrapper that keyboard users can focus (axe: scrollable-region-focusable)
    and screen readers hear by name. `declared`: a deliberate scroller (`data-scroll-x`, tests/see.py),
    for wide tables that cannot become cards (periods × series); a table of indicators is stacked into
    cards on a phone instead (obs-stack-table)."""
    extra = {"data-scroll-x": "true"} if declared else {}
    return html.Div(child, className="table-responsive obs-scroll", tabIndex="0", role="region",
                    **{"aria-label": aria_label}, **extra, **kw)


# -- alarms -----------------------------------------------------------------------------------


def alarm_item(a: dict, lang: str, detail_href: str | None = None) -> html.Li:
    """One active alarm of a profile: level, indicator, one sentence, state, rule kind (web.alarm_view)."""
    return alarm_view.alarm_item(a, lang, detail_href=detail_href, show_territory=False,
                                 indicator_href=href(f"/indicador/{a['indicator_id']}", lang))


# -- bad input --------------------------------------------------------------------------------

def problem_page(kind: str, message: str, lang: str, suggestions: list | None = None) -> html.Div:
    """A helpful 404/400 page body (web.ui.error_layout)."""
    from web import ui
    from core.i18n import t
    status = 404 if kind == "404" else 400
    title = t("err.404.title" if status == 404 else "err.400.title", lang)
    msgs = [message] if status == 404 else [t("err.400.body", lang), message]
    return ui.error_layout(status, lang, title, msgs, suggestions)



# -- territory profiles (municipio and regiao) --------------------------------------------------

#: Clientside: put a page's state (a query string computed server-side) in the address bar without
#: reloading (replaceState), and keep the navbar's language link pointing at the same state.
URL_SYNC_JS = """
function(search) {
    if (typeof search === 'string') {
        var target = window.location.pathname + search;
        if (target !== window.location.pathname + window.location.search) {
            window.history.replaceState(window.history.state, '', target);
        }
        var link = document.getElementById('shell-lang');
        if (link) {
            var q = new URLSearchParams(search);
            if (q.get('lang') === 'en') { q.delete('lang'); } else { q.set('lang', 'en'); }
            var qs = q.toString().replace(/%2C/g, ',');
            link.setAttribute('href', window.location.pathname + (qs ? '?' + qs : ''));
        }
    }
    return window.dash_clientside.no_update;
}
"""


def is_region(ter: dict) -> bool:
    return ter["level"] != "municipio"


def default_group(ter: dict) -> str | None:
    if is_region(ter):
        return "level" if ter["level"] != "pais" else None
    groups = data.peer_groups(ter["territory_id"])
    return groups[0] if groups else None


def group_choices(ter: dict) -> list[str]:
    if is_region(ter):
        return ["level"] if ter["level"] != "pais" else []
    return data.peer_groups(ter["territory_id"])


def peer_table(ter: dict, group: str | None) -> pd.DataFrame:
    """The peers (territory_id, name_unique) of a territory in a group: dim_peer for a municipality,
    the other regions of the same level for a region."""
    if not group:
        return pd.DataFrame(columns=["territory_id", "name", "name_unique"])
    if is_region(ter):
        df = data.territories([ter["level"]])
        return df[df["territory_id"] != ter["territory_id"]][["territory_id", "name", "name_unique"]]
    return data.peers(ter["territory_id"], group)


def peer_values(ter: dict, peer_ids: list[str], indicator_ids: list[str] | None = None) -> pd.DataFrame:
    if not peer_ids:
        return pd.DataFrame(columns=["indicator_id", "territory_id", "period_id", "value", "start_date"])
    if is_region(ter):
        ids = indicator_ids if indicator_ids is not None else list(data.indicators()["indicator_id"])
        df = data.level_values(ids, ter["level"]) if ids else pd.DataFrame(
            columns=["indicator_id", "territory_id", "period_id", "value", "start_date"])
        return df[df["territory_id"].isin(peer_ids)]
    return data.series(peer_ids, indicator_ids)


def validate_profile_params(ter: dict, grupo, i, lang: str) -> list[str]:
    """Problems with the query parameters of a profile page (empty = fine)."""
    from core.i18n import t
    errs = []
    choices = group_choices(ter)
    if grupo not in (None, "") and grupo not in choices:
        errs.append(t("err.param", lang, name="grupo", value=grupo,
                      valid=", ".join(choices) or "—"))
    if i not in (None, "") and data.indicator(i) is None:
        errs.append(t("err.param", lang, name="i", value=i,
                      valid=", ".join(data.indicators()["indicator_id"])))
    return errs


def profile_problem(ter: dict, errs: list[str], lang: str, path: str) -> html.Div:
    """The 400 page of a profile: what is wrong, and links to the valid choices."""
    links = [html.Li(dcc.Link(label(GROUP_LABELS.get(g), lang, g), href=href(path, lang, grupo=g)))
             for g in group_choices(ter)]
    links.insert(0, html.Li(dcc.Link(territory_name(ter["name_unique"], lang), href=href(path, lang))))
    return problem_page("400", " ".join(errs), lang, [html.Ul(links)])


def band_section(ter: dict, group: str | None, indicator_id: str | None, lang: str):
    """(figure, summary sentence, table) of the peers' band chart for one indicator."""
    ind = data.indicator(indicator_id) if indicator_id else None
    name = territory_name(ter["name_unique"], lang)
    if ind is None:
        return go.Figure(), tr("no_data", lang), html.P(tr("no_data", lang))
    own = data.series([ter["territory_id"]], [indicator_id])
    nat = data.series(["PT"], [indicator_id])
    peer_ids = list(peer_table(ter, group)["territory_id"])
    pv = peer_values(ter, peer_ids, [indicator_id])
    band = peer_band(own, nat, pv)
    with_peers = bool(len(pv))
    return (band_figure(band, ind, name, lang, with_peers), band_summary(band, ind, name, lang),
            band_table(band, ind, name, lang, with_peers))


def profile_table_rows(ter: dict, group: str | None):
    """(indicators, rows, own series) for a profile: every public indicator with data or not."""
    inds = data.indicators()
    tid = ter["territory_id"]
    own = data.series([tid])
    nat = data.series(["PT"])
    peer_ids = list(peer_table(ter, group)["territory_id"])
    pv = peer_values(ter, peer_ids)
    stored = data.peer_positions(tid, group) if group and not is_region(ter) else None
    rows = profile_rows(inds, own, nat, pv, stored)
    return inds, rows, own


def indicator_table(ter: dict, inds: pd.DataFrame, rows: pd.DataFrame, own: pd.DataFrame,
                    alarms_df: pd.DataFrame, group: str | None, lang: str) -> list:
    """One accessible table per policy area: value, trend, Portugal, peers, position, alarms."""
    from core.i18n import area_label
    by_id = rows.set_index("indicator_id").to_dict("index")
    out = []
    for area, block in inds.groupby("area", sort=False):
        trs = []
        for ind in block.to_dict("records"):
            iid = ind["indicator_id"]
            r = by_id.get(iid, {})
            s = own[own["indicator_id"] == iid]
            per = (r.get("label_en") if lang == "en" else r.get("label_pt")) or ""
            al = alarms_df[alarms_df["indicator_id"] == iid] if len(alarms_df) else alarms_df
            al_cell = "—"
            if len(al):
                al_cell = html.Ul([html.Li([alarm_view.level_badge(a["level"], lang)]) for a in al.to_dict("records")],
                                  className="list-unstyled mb-0")
            pos = r.get("position")
            def lab(k):
                return {"data-label": tr(k, lang)}
            trs.append(html.Tr([
                html.Th([dcc.Link(title(ind, lang), href=href(f"/indicador/{iid}", lang)),
                         html.Br(), html.Small(unit(ind, lang), className="text-muted-strong")], scope="row"),
                html.Td(html.Span([html.Span(fmt_value(r.get("value"), ind, lang), className="obs-value"),
                                   html.Br(), html.Small(per)]), className="text-end", **lab("latest")),
                html.Td(sparkline(list(s["value"]), f"{tr('trend', lang)}: {trend_alt(s, ind, lang)}"),
                        **lab("trend")),
                html.Td(fmt_value(r.get("national"), ind, lang), className="text-end", **lab("national")),
                html.Td(fmt_value(r.get("peer_median"), ind, lang), className="text-end", **lab("peer_median")),
                html.Td(html.Span([html.Span(position_icon(pos), **{"aria-hidden": "true"}), " ",
                                   position_words(pos, ind.get("polarity"), lang),
                                   *([html.Br(), html.Small(position_reason(r, ind, lang), className="obs-why")]
                                     if position_reason(r, ind, lang) else [])]), **lab("position")),
                html.Td(al_cell, **lab("alarms")),
            ]))
        head = html.Thead(html.Tr([html.Th(tr(k, lang), scope="col") for k in
                                   ("indicator", "latest", "trend", "national", "peer_median", "position",
                                    "alarms")]))
        out.append(html.Section([
            html.H3(area_label(area, lang)),
            # no scroller: the table fits the screen (cards on a phone), so no value is ever cut
            html.Table([html.Caption(f"{area_label(area, lang)} — {territory_name(ter['name_unique'], lang)}",
                                     className="visually-hidden"), head, html.Tbody(trs)],
                       className="table table-sm obs-table obs-profile-table obs-stack-table"),
        ], className="obs-area"))
    return out


def group_selector(ter: dict, group: str | None, path: str, lang: str, band_indicator: str | None):
    choices = group_choices(ter)
    if not choices:
        return None
    items = []
    for g in choices:
        lab = label(GROUP_LABELS.get(g), lang, g)
        if g == group:
            items.append(html.Li(html.Span(lab, className="nav-link active", **{"aria-current": "true"}),
                                 className="nav-item"))
        else:
            items.append(html.Li(dcc.Link(lab, href=href(path, lang, grupo=g, i=band_indicator),
                                          className="nav-link"), className="nav-item"))
    return html.Nav([html.H2(tr("peer_group", lang), className="h6 mb-1", id="peer-group-heading"),
                     html.Ul(items, className="nav nav-pills obs-peer-groups")],
                    **{"aria-labelledby": "peer-group-heading"})


#: the profile dimensions in a few words (core.vocabulary.PROFILE_DIMENSIONS has the long names and sources)
DIM_SHORT: dict[str, tuple[str, str]] = {
    "population": ("população", "population"), "density": ("densidade", "density"),
    "ageing": ("envelhecimento", "ageing"), "purchasing_power": ("poder de compra", "purchasing power"),
    "foreign": ("estrangeiros", "foreign residents"), "pop_change": ("variação da população", "population change"),
    "old_dependency": ("dependência de idosos", "old-age dependency"),
}


def _dim_label(dim: str, lang: str) -> str:
    pt, en = DIM_SHORT.get(dim) or ((AL.PROFILE_DIMENSIONS[dim].label("pt"), AL.PROFILE_DIMENSIONS[dim].label("en"))
                                    if dim in AL.PROFILE_DIMENSIONS else (dim, dim))
    return en if lang == "en" else pt


def _and(items: list[str], lang: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + (" and " if lang == "en" else " e ") + items[-1]


def peer_criteria(ter: dict, group: str, peers: pd.DataFrame, lang: str) -> str:
    """Who the peers are and why, in one sentence: "Os outros 8 municípios da NUTS III Grande Lisboa."."""
    n, name, en = len(peers), ter["name"], lang == "en"
    if group == "level":
        from core.i18n import level_label
        lv = level_label(ter["level"], lang)
        return (f"The other {n} regions of the same level ({lv})." if en
                else f"As outras {n} regiões do mesmo nível ({lv}).")
    if group == "nuts3":
        r = data.territory(ter.get("nuts3_id") or "") or {}
        return (f"The other {n} municipalities of the NUTS 3 region {r.get('name', '')}." if en
                else f"Os outros {n} municípios da NUTS III {r.get('name', '')}.")
    if group == "cim":
        r = data.territory(ter.get("cim_id") or "") or {}
        rn = r.get("name_unique") if r.get("level") == "cim" else r.get("name", "")
        return f"The other {n} municipalities of {rn}." if en else f"Os outros {n} municípios da {rn}."
    if group == "size":
        pop = ter.get("population")
        cls = None if is_missing(pop) else AL.size_class(pop)
        band = cls.label(lang) if cls else ""
        return (f"The other {n} municipalities with {band} (resident population, Census 2021)." if en
                else f"Os outros {n} municípios com {band} (população residente, Censos 2021).")
    if group == "profile":
        dims = data.profile_dimensions()
        names = _and([_dim_label(d, lang) for d in dims], lang)
        return (f"The {n} municipalities most like {name} in structure — {names}: the shortest distance over "
                f"{len(dims)} standardised dimensions. Next to each, the dimensions on which they are most alike."
                if en else
                f"Os {n} municípios mais parecidos com {name} na estrutura — {names}: a menor distância em "
                f"{len(dims)} dimensões padronizadas. Ao lado de cada um, as dimensões em que mais se parecem.")
    if group == "neighbours":
        return (f"The {n} municipalities sharing a border with {name}." if en
                else f"Os {n} municípios que fazem fronteira com {name}.")
    return label(GROUP_LABELS.get(group), lang, group)


#: up to this many peers are named in the open; more go in a list that opens on demand
PEERS_SHOWN = 10


def peer_block(ter: dict, group: str | None, lang: str):
    """The peer group in words: its criterion, every peer named with a link (in a list that opens on
    demand above PEERS_SHOWN), and how the position against them is decided."""
    if not group:
        return None
    peers = peer_table(ter, group)
    items = []
    for r in peers.to_dict("records"):
        path = f"/regiao/{r['territory_id']}" if is_region(ter) else f"/municipio/{r['territory_id']}"
        li = [dcc.Link(territory_name(r["name_unique"], lang), href=href(path, lang))]
        dims = r.get("dimensions") if group == "profile" else None
        if isinstance(dims, str) and dims:
            li += [" ", html.Small(f"({tr('alike_in', lang)}: "
                                   f"{', '.join(_dim_label(d, lang) for d in dims.split(','))})",
                                   className="text-muted-strong")]
        items.append(html.Li(li))
    listing = html.Ul(items, className="obs-peer-list", id="peer-list")
    if len(items) > PEERS_SHOWN:
        listing = html.Details([html.Summary(tr("see_peers", lang).format(n=len(items))), listing],
                               className="obs-peer-details")
    return html.Section([
        html.H3(f"{label(GROUP_LABELS.get(group), lang, group)}: {len(peers)} "
                f"{tr('peers', lang).lower()}", className="h6 mb-1", id="peer-block-heading"),
        html.P(peer_criteria(ter, group, peers, lang), className="obs-peer-criteria mb-1"),
        listing if items else None,
    ], className="obs-peer-block", **{"aria-labelledby": "peer-block-heading"})


def downloads(tid: str, lang: str) -> html.Section:
    return html.Section([
        html.H2(tr("downloads", lang), className="h6"),
        html.Ul([
            html.Li(html.A(tr("csv_tidy", lang), href=f"/download/territorio/{tid}.csv?dialect=tidy")),
            html.Li(html.A(tr("csv_excel", lang), href=f"/download/territorio/{tid}.csv?dialect=excel")),
            html.Li(html.A(tr("zip", lang), href=f"/download/territorio/{tid}.zip")),
        ], className="list-inline obs-downloads"),
    ])


def alarms_section(alarms_df: pd.DataFrame, lang: str) -> html.Section:
    if alarms_df.empty:
        body = html.P(tr("no_alarms", lang))
    else:
        body = html.Ul([alarm_item(a, lang, href("/alarmes", lang, alarme=a["alarm_id"]))
                        for a in alarms_df.to_dict("records")], className="list-unstyled obs-alarm-list")
    return html.Section([html.H2(tr("active_alarms", lang)), body], className="obs-alarms")


def header(ter: dict, lang: str) -> list:
    from core.i18n import level_label
    facts = [html.Span(level_label(ter["level"], lang))]
    links = []
    if ter["level"] == "municipio":
        for col in ("nuts3_id", "cim_id", "district_id"):
            code = ter.get(col)
            if isinstance(code, str) and code:
                r = data.territory(code)
                if r is not None:
                    links.append(dcc.Link(territory_name(r["name_unique"], lang), href=href(f"/regiao/{code}", lang)))
    else:
        parent = ter.get("parent_id")
        if isinstance(parent, str) and parent:
            r = data.territory(parent)
            if r is not None:
                links.append(dcc.Link(territory_name(r["name_unique"], lang), href=href(f"/regiao/{parent}", lang)))
    for lk in links:
        facts += [" · ", lk]
    dl = []
    if not is_missing(ter.get("population")):
        dl += [html.Dt(tr("population", lang)), html.Dd(fmt_number(ter["population"], 0, lang))]
    if not is_missing(ter.get("area_km2")):
        dl += [html.Dt(tr("area_km2", lang)), html.Dd(fmt_number(ter["area_km2"], 1, lang) + "\u00a0km²")]
    return [html.H1(territory_name(ter["name_unique"], lang)), html.P(facts, className="obs-facts"),
            html.Dl(dl, className="obs-keyfacts")]


def members_section(ter: dict, lang: str):
    if ter["level"] == "municipio":
        return None
    m = data.region_members(ter["territory_id"])
    if m.empty:
        return None
    return html.Section(className="mt-4", children=[
        html.H2(f"{tr('members', lang)} ({len(m)})"),
        html.Ul([html.Li(dcc.Link(territory_name(r["name_unique"], lang), href=href(f"/municipio/{r['territory_id']}", lang)))
                 for r in m.to_dict("records")], className="obs-members"),
    ])


def band_choices(inds: pd.DataFrame, own: pd.DataFrame, lang: str) -> list[dict]:
    have = set(own.dropna(subset=["value"])["indicator_id"])
    return [{"label": title(r, lang), "value": r["indicator_id"]}
            for r in inds.to_dict("records") if r["indicator_id"] in have]


def default_band_indicator(inds: pd.DataFrame, own: pd.DataFrame) -> str | None:
    have = set(own.dropna(subset=["value"])["indicator_id"])
    for r in inds.sort_values("headline", ascending=False, kind="stable").to_dict("records"):
        if r["indicator_id"] in have:
            return r["indicator_id"]
    return None


def profile_search(grupo: str | None, i: str | None, lang: str, default_grupo: str | None = None) -> str:
    """The query string that holds a profile's state (peer group, chart indicator, language)."""
    q = {}
    if grupo and grupo != default_grupo:
        q["grupo"] = grupo
    if i:
        q["i"] = i
    if lang == "en":
        q["lang"] = "en"
    return ("?" + urlencode(q)) if q else ""


def profile_layout(ter: dict, grupo: str | None, i: str | None, lang: str, path: str, ids) -> html.Div:
    """The whole profile of a municipality or region. `ids` holds the page's component ids
    (BAND_DROPDOWN, BAND_GRAPH, BAND_SUMMARY, BAND_TABLE, STATE, URL_SEARCH, URL_SYNC)."""
    group = grupo or default_group(ter)
    inds, rows, own = profile_table_rows(ter, group)
    alarms_df = data.alarms(territory_ids=[ter["territory_id"]])      # active ones (core.alarm_rules.is_active)
    choices = band_choices(inds, own, lang)
    band_ind = i or default_band_indicator(inds, own)
    fig, summary, table = band_section(ter, group, band_ind, lang)
    band = html.Section([
        html.H2(tr("band_title", lang), id="banda"),
        html.Label(tr("band_choose", lang), htmlFor=ids.BAND_DROPDOWN),
        dbc.Select(id=ids.BAND_DROPDOWN, options=choices, value=band_ind),
        html.P(summary, id=ids.BAND_SUMMARY, className="obs-summary mt-2", **{"aria-live": "polite"}),
        dcc.Graph(id=ids.BAND_GRAPH, figure=fig, config=graph_config("static", lang),
                  className="obs-graph"),
        html.Details([html.Summary(tr("table_alt", lang)),
                      scroll_region(html.Div(table, id=ids.BAND_TABLE), tr("table_alt", lang), declared=True)]),
    ], className="obs-band")
    return html.Div([
        dcc.Store(id=ids.STATE, data={"territory_id": ter["territory_id"], "group": group, "lang": lang,
                                      "default_group": default_group(ter)}),
        dcc.Store(id=ids.URL_SEARCH), dcc.Store(id=ids.URL_SYNC),
        *header(ter, lang),
        downloads(ter["territory_id"], lang),
        group_selector(ter, group, path, lang, i),
        peer_block(ter, group, lang),
        alarms_section(alarms_df, lang),
        *([html.Section([html.H2(tr("profile", lang)),
                         html.P(tr("position_rule", lang), className="obs-position-rule small",
                                id="position-rule") if group else None,
                         *indicator_table(ter, inds, rows, own, alarms_df, group, lang)]), band]
          if own["value"].notna().any() else [no_values_note(ter, lang)]),
        members_section(ter, lang),
    ], className="obs-profile")


def no_values_note(ter: dict, lang: str) -> html.Section:
    """A region the indicators are not aggregated to (district, island, CIM): say so, point to its
    municipalities and to a comparison of (up to 10 of) them."""
    members = list(data.region_members(ter["territory_id"])["territory_id"])[:10]
    body = [html.P(tr("no_values", lang))]
    if members:
        body.append(html.P(dcc.Link(tr("compare_members", lang), href=href("/comparar", lang, t=",".join(members)))))
    return html.Section([html.H2(tr("profile", lang)), *body], className="obs-no-values")


def band_update(indicator_id, state) -> tuple:
    """What the profile pages' band callback returns for the chosen indicator: the chart, its summary,
    its table and the URL search that keeps the choice (shared by /municipio and /regiao)."""
    from dash.exceptions import PreventUpdate
    if not indicator_id:
        raise PreventUpdate                      # the select's empty placeholder
    ter = data.territory(state["territory_id"])
    fig, summary, table = band_section(ter, state["group"], indicator_id, state["lang"])
    search = profile_search(state["group"], indicator_id, state["lang"], state.get("default_group"))
    return fig, summary, table, search
