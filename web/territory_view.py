"""Building blocks of a territory's profile (municipality or region) and the helpers the Comparar and
Alarmes views share: numbers, periods, sparklines, peer positions, the peers' band chart, peer groups.

The upper half are pure functions (DataFrames in, values or Dash components out); the profile
pieces at the end read through serving.data only. No SQL, no file I/O, no mutable module state.
Texts come from the catalogues (`profile.*`, `territory.*`); web.profile_view assembles the page.
"""
from __future__ import annotations

import math
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from serving import data
from web import alarm_view
from core import vocabulary as AL
from core import fmt as F
from core.i18n import level_label, short_unit, t, territory_name
from web import ui

# -- texts ------------------------------------------------------------------------------------

def group_label(group: str, lang: str) -> str:
    """A peer group's name: the closed list in core.vocabulary, plus regions' same-level group."""
    g = AL.PEER_GROUPS.get(group)
    if g is not None:
        return g.label(lang)
    return t(f"territory.group.{group}", lang) if group == "level" else group


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
        label = t("profile.provisional_label", lang, label=label)
    return label


#: a link that keeps the language; empty parameters are dropped (one implementation: web.ui.href)
href = ui.href


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
        return t("profile.no_data", lang) if s.empty else (
            f"{period_label(s.iloc[0], lang)}: {fmt_value(s.iloc[0]['value'], ind, lang)}")
    a, b = s.iloc[0], s.iloc[-1]
    return t("profile.trend_alt", lang, a=period_label(a, lang), b=period_label(b, lang),
             va=fmt_value(a["value"], ind, lang), vb=fmt_value(b["value"], ind, lang))


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
    words = t(f"profile.{position}", lang)
    if position != "similar" and polarity in ("higher_is_better", "lower_is_better"):
        good = (position == "above") == (polarity == "higher_is_better")
        words += f" ({t('profile.better' if good else 'profile.worse', lang)})"
    return words


def position_icon(position: str | None) -> str:
    return {"above": "▲", "below": "▼", "similar": "●"}.get(position if isinstance(position, str) else "", "")


def position_reason(row: dict, ind: dict, lang: str) -> str:
    """Why the position is what it is, with the quartiles it was decided on: "no intervalo interquartil
    dos pares: 180,0–340,0" (so "semelhante" next to a value far from the median is no contradiction)."""
    pos = row.get("position")
    if pos not in ("above", "below", "similar"):
        return t("profile.few_peers", lang) if not is_missing(row.get("peer_median")) else ""
    q1, q3 = row.get("peer_q1"), row.get("peer_q3")
    if is_missing(q1) or is_missing(q3):
        return ""
    d = ind.get("decimals")
    return t(f"profile.why_{pos}", lang, q1=fmt_number(q1, d, lang), q3=fmt_number(q3, d, lang))


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
                                 hoverinfo="skip", name=t("profile.p75", lang)))
        fig.add_trace(go.Scatter(x=x, y=band["p25"], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(120,120,120,0.25)", name=t("profile.iqr", lang)))
        fig.add_trace(go.Scatter(x=x, y=band["median"], mode="lines", name=t("profile.peer_median", lang),
                                 line={"color": "#555", "dash": "dash"}))
    fig.add_trace(go.Scatter(x=x, y=band["national"], mode="lines+markers", name="Portugal",
                             line={"color": "#8a5a00", "dash": "dot"}, marker={"symbol": "square"}))
    fig.add_trace(go.Scatter(x=x, y=band["territory"], mode="lines+markers", name=name,
                             line={"color": "#1f4e8c", "width": 3}, marker={"symbol": "circle"}))
    # the short unit on the value axis (the long one does not fit a phone), at most 5 horizontal period ticks
    fig.update_layout(margin={"l": 8, "r": 12, "t": 10, "b": 8}, height=340, template="plotly_white",
                      legend={"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
                      yaxis={"title": short_unit(ind, lang) or None, "automargin": True},
                      separators=F.separators(lang),
                      xaxis={"type": "category", "nticks": 5, "tickangle": 0, "automargin": True})
    return fig


def _judgement(pos: str, ind: dict, lang: str) -> str:
    """"; melhor" / "; pior" when the indicator has a polarity and the position is not "similar"."""
    if pos != "similar" and ind.get("polarity") in ("higher_is_better", "lower_is_better"):
        good = (pos == "above") == (ind.get("polarity") == "higher_is_better")
        return f"; {t('profile.better' if good else 'profile.worse', lang)}"
    return ""


def compare_phrase(value, ref, ref_key: str, ind: dict, lang: str, pos: str | None = None) -> str:
    """'acima da mediana dos pares (52,0 %; melhor)' — position in words, reference value, judgement.
    `ref_key`: peer_median or national (the catalogue's `profile.cmp.<position>.<ref_key>`)."""
    pos = pos or position_of(value, ref)
    return f"{t(f'profile.cmp.{pos}.{ref_key}', lang)} ({fmt_value(ref, ind, lang)}{_judgement(pos, ind, lang)})"


def peer_phrase(r: dict, ind: dict, lang: str) -> str:
    """The territory against its peers by the position rule (quartiles), with the median for scale:
    'acima do P75 dos pares (1 100,0; mediana 1 000,0; pior)'. Under 3 peers: against the median."""
    v, d = r["territory"], ind.get("decimals")
    if (r.get("n") or 0) < 3 or is_missing(r.get("p25")) or is_missing(r.get("p75")):
        return compare_phrase(v, r["median"], "peer_median", ind, lang)
    pos = "above" if v > r["p75"] else "below" if v < r["p25"] else "similar"
    return t(f"profile.peer.{pos}", lang, q1=fmt_number(r["p25"], d, lang), q3=fmt_number(r["p75"], d, lang),
             med=fmt_value(r["median"], ind, lang), judge=_judgement(pos, ind, lang))


def band_summary(band: pd.DataFrame, ind: dict, name: str, lang: str) -> str:
    """One sentence: the latest value against the peer median and the national value."""
    b = band.dropna(subset=["territory"])
    if b.empty:
        return t("profile.band.no_data", lang, name=name, title=title(ind, lang))
    r = b.iloc[-1]
    parts = []
    if not is_missing(r.get("median")):
        parts.append(peer_phrase(r, ind, lang))
    if not is_missing(r.get("national")):
        parts.append(compare_phrase(r["territory"], r["national"], "national", ind, lang))
    return t("profile.band.sentence", lang, period=period_label(r, lang, mark=True), name=name,
             value=fmt_value(r["territory"], ind, lang), title=title(ind, lang),
             tail=(", " + and_list(parts, lang)) if parts else "")


def band_table(band: pd.DataFrame, ind: dict, name: str, lang: str, with_peers: bool = True):
    """The band chart's data, period by period (its table alternative)."""
    cols = [("period", t("profile.period", lang)), ("territory", name), ("national", "Portugal")]
    if with_peers:
        cols += [(k, t(f"profile.{k}", lang)) for k in ("peer_median", "p25", "p75", "min", "max")]
    key = {"peer_median": "median"}
    rows = [{"period": period_label(r, lang, mark=True),
             **{c: fmt_value(r.get(key.get(c, c)), ind, lang) for c, _ in cols[1:]}}
            for r in band.to_dict("records")]
    return ui.table(cols, rows, f"{t('profile.band_title', lang)}: {title(ind, lang)} — {name}", hide_caption=True,
                    numeric={c for c, _ in cols[1:]}, row_header="period", wrap=None)


# -- alarms -----------------------------------------------------------------------------------


def alarm_item(a: dict, lang: str, detail_href: str | None = None) -> html.Li:
    """One active alarm of a profile: level, indicator, one sentence, state, rule kind (web.alarm_view)."""
    return alarm_view.alarm_item(a, lang, detail_href=detail_href, show_territory=False,
                                 indicator_href=None if a.get("origin") == "live"   # issue 13: no page
                                 else href(f"/indicador/{a['indicator_id']}", lang))


# -- bad input --------------------------------------------------------------------------------

def problem_page(kind: str, message: str, lang: str, suggestions: list | None = None) -> html.Div:
    """A helpful 404/400 page body (web.ui.error_layout)."""
    status = 404 if kind == "404" else 400
    title = t("err.404.title" if status == 404 else "err.400.title", lang)
    msgs = [message] if status == 404 else [t("err.400.body", lang), message]
    return ui.error_layout(status, lang, title, msgs, suggestions)



# -- territory profiles (municipio and regiao) --------------------------------------------------

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


def band_section(ter: dict, group: str | None, indicator_id: str | None, lang: str):
    """(figure, summary sentence, table) of the peers' band chart for one indicator."""
    ind = data.indicator(indicator_id) if indicator_id else None
    name = territory_name(ter["name_unique"], lang)
    if ind is None:
        return go.Figure(), t("profile.no_data", lang), html.P(t("profile.no_data", lang))
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
    """One accessible table per policy area: value, trend, Portugal, peers, position, alarms. No scroller:
    the table fits the screen (cards on a phone), so no value is ever cut."""
    from core.i18n import area_label
    by_id = rows.set_index("indicator_id").to_dict("index")
    cols = [(k, t(f"profile.{k}", lang)) for k in
            ("indicator", "latest", "trend", "national", "peer_median", "position", "alarms")]
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
            why = position_reason(r, ind, lang)
            trs.append({
                "indicator": [dcc.Link(title(ind, lang), href=href(f"/indicador/{iid}", lang)),
                              html.Br(), html.Small(unit(ind, lang), className="text-muted-strong")],
                "latest": html.Span([html.Span(fmt_value(r.get("value"), ind, lang), className="obs-value"),
                                     html.Br(), html.Small(per)]),
                "trend": sparkline(list(s["value"]), f"{t('profile.trend', lang)}: {trend_alt(s, ind, lang)}"),
                "national": fmt_value(r.get("national"), ind, lang),
                "peer_median": fmt_value(r.get("peer_median"), ind, lang),
                "position": html.Span([html.Span(position_icon(pos), **{"aria-hidden": "true"}), " ",
                                       position_words(pos, ind.get("polarity"), lang),
                                       *([html.Br(), html.Small(why, className="obs-why")] if why else [])]),
                "alarms": al_cell,
            })
        out.append(html.Section([
            html.H3(area_label(area, lang)),
            ui.table(cols, trs, f"{area_label(area, lang)} — {territory_name(ter['name_unique'], lang)}",
                     hide_caption=True, row_header="indicator", numeric={"latest", "national", "peer_median"},
                     stack=True, wrap=None, className="obs-profile-table"),
        ], className="obs-area"))
    return out


def group_selector(ter: dict, group: str | None, path: str, lang: str, band_indicator: str | None):
    choices = group_choices(ter)
    if not choices:
        return None
    items = []
    for g in choices:
        lab = group_label(g, lang)
        if g == group:
            items.append(html.Li(html.Span(lab, className="nav-link active", **{"aria-current": "true"}),
                                 className="nav-item"))
        else:
            items.append(html.Li(dcc.Link(lab, href=href(path, lang, grupo=g, i=band_indicator),
                                          className="nav-link"), className="nav-item"))
    return html.Nav([html.H2(t("profile.peer_group", lang), className="h6 mb-1", id="peer-group-heading"),
                     html.Ul(items, className="nav nav-pills obs-peer-groups")],
                    **{"aria-labelledby": "peer-group-heading"})


def _dim_label(dim: str, lang: str) -> str:
    """A profile dimension in a few words (`territory.dim.*`; core.vocabulary.PROFILE_DIMENSIONS has the
    long names and sources, used for a dimension the catalogue does not name)."""
    from core.i18n import has
    if has(f"territory.dim.{dim}"):
        return t(f"territory.dim.{dim}", lang)
    d = AL.PROFILE_DIMENSIONS.get(dim)
    return d.label(lang) if d is not None else dim


def and_list(items: list[str], lang: str) -> str:
    """"a, b e c" / "a, b and c"."""
    if len(items) < 2:
        return "".join(items)
    return t("territory.and", lang, head=", ".join(items[:-1]), last=items[-1])


def peer_criteria(ter: dict, group: str, peers: pd.DataFrame, lang: str) -> str:
    """Who the peers are and why, in one sentence: "Os outros 8 municípios da NUTS III Grande Lisboa."."""
    n, name = len(peers), ter["name"]
    if group == "level":
        return t("territory.criteria.level", lang, n=n, level=level_label(ter["level"], lang))
    if group == "nuts3":
        r = data.territory(ter.get("nuts3_id") or "") or {}
        return t("territory.criteria.nuts3", lang, n=n, region=r.get("name", ""))
    if group == "cim":
        r = data.territory(ter.get("cim_id") or "") or {}
        rn = r.get("name_unique") if r.get("level") == "cim" else r.get("name", "")
        return t("territory.criteria.cim", lang, n=n, region=rn)
    if group == "size":
        pop = ter.get("population")
        cls = None if is_missing(pop) else AL.size_class(pop)
        band = cls.label(lang) if cls else ""
        return t("territory.criteria.size", lang, n=n, band=band)
    if group == "profile":
        dims = data.profile_dimensions()
        return t("territory.criteria.profile", lang, n=n, name=name, k=len(dims),
                 names=and_list([_dim_label(d, lang) for d in dims], lang))
    if group == "neighbours":
        return t("territory.criteria.neighbours", lang, n=n, name=name)
    return group_label(group, lang)


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
            li += [" ", html.Small(f"({t('profile.alike_in', lang)}: "
                                   f"{', '.join(_dim_label(d, lang) for d in dims.split(','))})",
                                   className="text-muted-strong")]
        items.append(html.Li(li))
    listing = html.Ul(items, className="obs-peer-list", id="peer-list")
    if len(items) > PEERS_SHOWN:
        listing = html.Details([html.Summary(t("profile.see_peers", lang, n=len(items))), listing],
                               className="obs-peer-details")
    return html.Section([
        html.H3(f"{group_label(group, lang)}: {len(peers)} "
                f"{t('profile.peers', lang).lower()}", className="h6 mb-1", id="peer-block-heading"),
        html.P(peer_criteria(ter, group, peers, lang), className="obs-peer-criteria mb-1"),
        listing if items else None,
    ], className="obs-peer-block", **{"aria-labelledby": "peer-block-heading"})


def downloads(tid: str, lang: str) -> html.Section:
    return html.Section([
        html.H2(t("profile.downloads", lang), className="h6"),
        html.Ul([
            html.Li(html.A(t("profile.csv_tidy", lang), href=f"/download/territorio/{tid}.csv?dialect=tidy")),
            html.Li(html.A(t("profile.csv_excel", lang), href=f"/download/territorio/{tid}.csv?dialect=excel")),
            html.Li(html.A(t("profile.zip", lang), href=f"/download/territorio/{tid}.zip")),
        ], className="list-inline obs-downloads"),
    ])


def alarms_section(alarms_df: pd.DataFrame, lang: str) -> html.Section:
    if alarms_df.empty:
        body = html.P(t("profile.no_alarms", lang))
    else:
        body = html.Ul([alarm_item(a, lang, href("/alarmes", lang, alarme=a["alarm_id"]))
                        for a in alarms_df.to_dict("records")], className="list-unstyled obs-alarm-list")
    return html.Section([html.H2(t("profile.active_alarms", lang)), body], className="obs-alarms",
                        id=ALARMS_SECTION)  # issue 13: refreshed with live alarms (web/profile_view.py)


ALARMS_SECTION = "territorio-alarmes"  # issue 13


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
        dl.append((t("profile.population", lang), fmt_number(ter["population"], 0, lang)))
    if not is_missing(ter.get("area_km2")):
        dl.append((t("profile.area_km2", lang), fmt_number(ter["area_km2"], 1, lang) + "\u00a0km²"))
    return [html.H1(territory_name(ter["name_unique"], lang)), html.P(facts, className="obs-facts"),
            ui.keyfacts(dl)]


def members_section(ter: dict, lang: str):
    if ter["level"] == "municipio":
        return None
    m = data.region_members(ter["territory_id"])
    if m.empty:
        return None
    return html.Section(className="mt-4", children=[
        html.H2(f"{t('profile.members', lang)} ({len(m)})"),
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
