"""The state of an indicator view (indicator, period, level, classification, map type, territories,
tab) read from a URL, validated, and turned into what the Indicador and embed pages draw.

`resolve()` is the single place that validates the URL: unknown indicator -> 404, an invalid
parameter -> 400 with the valid values; the pages and the HTTP status check both use it.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from core import fmt
from serving import data
from web import share
from core.vocabulary import provisional_label
from web import figures as F
from web import targets_view as TV   # issue 11
from core.i18n import column, in_sentence, lang_of, level_label, pick, t

#: map levels, most detailed first
MAP_LEVELS = ("municipio", "nuts3", "nuts2")
TABS = ("serie", "ranking", "distribuicao", "metadados", "downloads")
MAX_TERRITORIES = 6
#: query parameters a view understands (anything else is ignored)
PARAMS = ("period", "level", "classification", "view", "territories", "tab", "lang")


#: ranking sort keys and their first direction (descending?) when chosen
RANK_SORTS = {"pos": False, "territory": False, "value": True}


def collate_key(text: str) -> tuple:
    """Sort key for Portuguese text: letters first without accents or case (Í and Ó sort within I and
    O, as in the CLDR root collation that pt-PT uses), then accents and case break ties (e < é).
    Stdlib only: an ICU binding or the system locale would add a C dependency for the same order."""
    s = str(text or "")
    base = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return (base.casefold(), unicodedata.normalize("NFD", s).casefold(), s)


@dataclass(frozen=True)
class View:
    indicator_id: str
    period: str
    level: str
    classification: str = "quantis"
    view: str = "mapa"
    territories: tuple[str, ...] = ()
    tab: str = "serie"
    lang: str = "pt"
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    ind: dict = field(default_factory=dict, compare=False, hash=False)

    def query(self) -> dict:
        """The URL query of this view (defaults left out, so permalinks stay short)."""
        return {"period": self.period, "level": self.level,
                "classification": None if self.classification == default_classification(self) else self.classification,
                "view": None if self.view == "mapa" else self.view,
                "territories": ",".join(self.territories) or None,
                "tab": None if self.tab == "serie" else self.tab}


@dataclass(frozen=True)
class Problem:
    status: int                     # 404 or 400
    messages: list[str]
    valid_indicators: list[tuple[str, str]] = field(default_factory=list)


def default_classification(v: View) -> str:
    """Official thresholds, when the indicator has them; else quantiles."""
    return F.default_classification(v.meta)


def indicator_levels(ind: dict) -> list[str]:
    declared = (ind.get("levels") or ",".join(MAP_LEVELS)).split(",")
    return [lv for lv in MAP_LEVELS if lv in declared]


def resolve(indicator_id: str | None, lang: str = "pt", **q) -> View | Problem:
    """Validate an indicator URL. Missing parameters take defaults (latest period, municipalities)."""
    lang = lang_of(lang if isinstance(lang, str) else None)
    ind = data.indicator(indicator_id or "") if indicator_id else None
    if ind is None:
        inds = data.indicators()
        return Problem(404, [t("err.404.indicator", lang, id=indicator_id or "")],
                       [(r["indicator_id"], r[column("title", lang)]) for _, r in inds.iterrows()])
    errors = []

    def bad(name, value, valid):
        errors.append(t("err.param", lang, name=name, value=value, valid=", ".join(valid) or "—"))

    def one(name):
        v = q.get(name)
        if isinstance(v, list):
            errors.append(t("err.param", lang, name=name, value=",".join(map(str, v)), valid="(1)"))
            return None
        return v if v not in ("", None) else None

    per = data.periods(indicator_id)
    period_ids = per["period_id"].tolist()
    levels = indicator_levels(ind)
    period = one("period")
    if period is not None and period not in period_ids:
        bad("period", period, period_ids)
    level = one("level")
    if level is not None and level not in levels:
        bad("level", level, levels)
    classification = one("classification")
    if classification is not None and classification not in F.CLASSIFICATIONS:
        bad("classification", classification, F.CLASSIFICATIONS)
    view = one("view")
    if view is not None and view not in F.VIEWS:
        bad("view", view, F.VIEWS)
    tab = one("tab")
    if tab is not None and tab not in TABS:
        bad("tab", tab, TABS)
    terrs = one("territories")
    tids: tuple[str, ...] = ()
    if terrs is not None:
        tids = tuple(dict.fromkeys(x.strip() for x in str(terrs).split(",") if x.strip()))
        known = set(data.territories()["territory_id"])
        unknown = [x for x in tids if x not in known]
        if unknown:
            errors.append(t("err.404.territory", lang, id=", ".join(unknown)))
        if len(tids) > MAX_TERRITORIES:
            bad("territories", f"{len(tids)}", [f"≤ {MAX_TERRITORIES}"])
    if errors:
        return Problem(400, errors)
    meta = json.loads(ind.get("meta_json") or "{}")
    return View(indicator_id=indicator_id, period=period or data.default_period(per),
                level=level or (levels[0] if levels else "municipio"),
                classification=classification or F.default_classification(meta),
                view=view or "mapa", territories=tids, tab=tab or "serie", lang=lang, meta=meta, ind=ind)


def status(indicator_id: str | None = None, **q) -> int:
    """HTTP status of a direct load of an indicator URL."""
    r = resolve(indicator_id, **{k: v for k, v in q.items() if k in PARAMS})
    return r.status if isinstance(r, Problem) else 200


# -- what the pages draw ----------------------------------------------------------------------

def title(v: View) -> str:
    return pick(v.meta.get("title"), v.lang) or v.ind.get("title_pt", v.indicator_id)


def unit(v: View) -> str:
    from core.i18n import short_unit
    return short_unit(v.ind, v.lang)


def unit_long(v: View) -> str:
    return pick(v.meta.get("unit"), v.lang)


def decimals(v: View) -> int:
    d = v.ind.get("decimals")
    return int(d) if d is not None and not pd.isna(d) else 1


def period_label(v: View, period_id: str | None = None) -> str:
    per = data.periods(v.indicator_id)
    row = per[per["period_id"] == (period_id or v.period)]
    if not len(row):
        return period_id or v.period
    r = row.iloc[0]
    label = r[column("label", v.lang)]
    if r.get("provisional"):  # a partial year or week says so wherever its label is shown
        label = f"{label} ({provisional_label(r.get('provisional_reason'), v.lang)})"
    return label


def map_frame(v: View, layer: dict | None = None) -> pd.DataFrame:
    """Every territory of the level (and every feature of the layer) with its value (NaN: no data)."""
    ter = data.territories([v.level])[["territory_id", "name_unique", "tipo_territorio"]].rename(
        columns={"name_unique": "name", "tipo_territorio": "group"})
    if len(data.periods(v.indicator_id)) <= 60:
        # one cached query per indicator and level serves every period (a period change is a cache hit)
        allv = data.values(v.indicator_id, level=v.level)
        vals = allv.loc[allv["period_id"] == v.period, ["territory_id", "value"]]
    else:  # weekly/daily series: one period at a time
        vals = data.values(v.indicator_id, level=v.level, period_id=v.period)[["territory_id", "value"]]
    df = ter.merge(vals, on="territory_id", how="left")
    if layer and layer.get("ids"):
        df = df[df["territory_id"].isin(set(layer["ids"]))]
    df["group"] = "all"  # one map: the islands are inset in the layer itself
    return df.reset_index(drop=True)


def layer_for(v: View) -> dict | None:
    """The web layer drawn: the tile map for municipalities when asked and built, else the boundaries."""
    if v.view == "tiles" and v.level == "municipio":
        tiles = data.geo_layer("tiles")
        if tiles is not None:
            return tiles
    return data.geo_layer(v.level)


def layer_key(v: View) -> str:
    """Identifies the drawn layer and panels: while it is unchanged, a map update is a Patch."""
    layer = layer_for(v)
    return f"{v.level}|{layer['url'] if layer else ''}"


def map_bundle(v: View) -> dict:
    """Map data, layer, legend, summary sentence, classification note and what a downloaded image of
    the map says (title, legend, source) for a view."""
    layer = layer_for(v)
    df = map_frame(v, layer)
    md = F.map_data(df, method=v.classification, meta=v.meta, decimals=decimals(v), unit=unit(v), lang=v.lang)
    return {"md": md, "layer": layer, "frame": df, "summary": map_summary(v, df),
            "note": md["note"], "key": layer_key(v), "export": export_map(v, md)}


# -- what a downloaded image says --------------------------------------------------------------

#: level -> file name part
LEVEL_SLUG = {"municipio": "municipios", "nuts3": "nuts3", "nuts2": "nuts2"}


def view_url(v: View, **changes) -> str:
    """The absolute permalink of a view (OBS_BASE_URL)."""
    from web.ui import indicator_href
    return share.absolute(indicator_href(v.indicator_id, v.lang, **{**v.query(), **changes}))


def _export(v: View, subtitle: str, filename: str, url: str, **kw) -> dict:
    return share.export_meta(title=title(v), subtitle=subtitle, unit=unit_long(v), sources=v.meta.get("sources") or [],
                             lang=v.lang, filename=filename, url=url, **kw)


def export_map(v: View, md: dict) -> dict:
    levels = level_label(v.level, v.lang, plural=True)
    return _export(v, t("export.map.subtitle", v.lang, levels=levels, period=period_label(v)),
                   share.slug(v.indicator_id, v.period, LEVEL_SLUG.get(v.level, v.level)), view_url(v),
                   legend=md["legend"], legend_title=unit_long(v) or title(v))


def export_distribution(v: View) -> dict:
    levels = level_label(v.level, v.lang, plural=True)
    return _export(v, t("export.dist.subtitle", v.lang, levels=in_sentence(levels),
                        period=period_label(v)),
                   share.slug(v.indicator_id, v.period, LEVEL_SLUG.get(v.level, v.level), "distribuicao"),
                   view_url(v, tab="distribuicao"))


def export_series(v: View, df: pd.DataFrame, names: dict) -> dict:
    ok = df[df["value"].notna()] if len(df) else df
    ids = list(dict.fromkeys(["PT"] + [x for x in ok["territory_id"] if x != "PT"])) if len(ok) else ["PT"]
    who = ", ".join(names.get(x, x) for x in ids if not len(ok) or (ok["territory_id"] == x).any()) or "Portugal"
    lab = column("label", v.lang)
    ordered = ok.sort_values("start_date") if len(ok) else ok
    first = ordered[lab].iloc[0] if len(ordered) else ""
    last = ordered[lab].iloc[-1] if len(ordered) else ""
    if first == last:
        sub = t("export.series.one", v.lang, who=who, period=last)
        span = ordered["period_id"].iloc[-1] if len(ordered) else ""
    else:
        sub = t("export.series.subtitle", v.lang, who=who, first=first, last=last)
        span = f"{ordered['period_id'].iloc[0]}-{ordered['period_id'].iloc[-1]}"
    terr = tuple(x for x in ids if x != "PT")
    return _export(v, sub, share.slug(v.indicator_id, span, "serie"),
                   view_url(v, territories=",".join(terr) or None, tab=None))


def map_summary(v: View, df: pd.DataFrame) -> str:
    d, u, lang = decimals(v), unit(v), v.lang
    ok = df.dropna(subset=["value"])
    levels = level_label(v.level, lang, plural=True)
    if not len(ok):
        return t("map.summary.empty", lang, title=title(v), period=period_label(v), levels=levels)
    lo = ok.loc[ok["value"].idxmin()]
    hi = ok.loc[ok["value"].idxmax()]
    text = t("map.summary", lang, title=title(v), period=period_label(v), levels=levels,
             min=fmt.value(lo["value"], d, u, lang), min_name=lo["name"],
             max=fmt.value(hi["value"], d, u, lang), max_name=hi["name"],
             median=fmt.value(float(np.median(ok["value"])), d, u, lang),
             n_missing=fmt.number(int(df["value"].isna().sum()), 0, lang))
    if v.level == "municipio":   # issue 11: the map's values classed against the target
        text += " " + (TV.map_target_class(v.indicator_id, ok["value"], lang) or "")
    return text.strip()


def ranking_rows(v: View, bundle: dict | None = None, sort: str = "pos", desc: bool = False,
                 with_unit: bool = True) -> list[dict]:
    """The ranking: position 1 = highest value; ties share a position; no data last.

    `sort` orders the rows by position (= value, highest first), territory name (Portuguese order) or
    value; `desc` reverses it. Rows without data stay last when sorting by position or value. Each row
    carries its map class (text and colour) and whether it has data; `with_unit=False` leaves the unit
    to the column header."""
    b = bundle or map_bundle(v)
    df = b["frame"].copy()
    md = b["md"]
    df["cls"] = df["territory_id"].map(md["class_text"])
    df["colour"] = df["territory_id"].map(md.get("class_colour") or {})
    df["_name"] = df["name"].map(collate_key)
    df = df.sort_values(["value", "_name"], ascending=[False, True], na_position="last", kind="stable")
    df["pos"] = df["value"].rank(method="min", ascending=False)
    if sort == "territory":
        df = df.sort_values("_name", ascending=not desc, kind="stable")
    elif sort in ("pos", "value"):
        # position ascending = value descending; "value" ascending = lowest first
        high_first = (sort == "pos") != desc
        df = df.sort_values(["value", "_name"], ascending=[not high_first, True], na_position="last",
                            kind="stable")
    d, u = decimals(v), (unit(v) if with_unit else "")
    nodata = t("nodata", v.lang)
    return [{"pos": "—" if pd.isna(r["pos"]) else fmt.number(r["pos"], 0, v.lang), "territory": r["name"],
             "value": fmt.value(r["value"], d, u, v.lang, na=nodata), "cls": r["cls"], "id": r["territory_id"],
             "colour": r["colour"], "nodata": bool(pd.isna(r["value"]))}
            for _, r in df.iterrows()]


def national_value(v: View) -> float | None:
    df = data.values(v.indicator_id, territory_ids=["PT"], period_id=v.period)
    return float(df["value"].iloc[0]) if len(df) and pd.notna(df["value"].iloc[0]) else None


def distribution_summary(v: View, frame: pd.DataFrame, national: float | None) -> str:
    ok = frame["value"].dropna()
    d, u, lang = decimals(v), unit(v), v.lang
    if not len(ok):
        return t("map.summary.empty", lang, title=title(v), period=period_label(v),
                 levels=level_label(v.level, lang, plural=True))
    q1, q3 = np.quantile(ok, [0.25, 0.75])
    return t("dist.summary", lang, n=fmt.number(len(ok), 0, lang), levels=level_label(v.level, lang, plural=True),
             period=period_label(v), q1=fmt.value(q1, d, u, lang), q3=fmt.value(q3, d, u, lang),
             nat=fmt.value(national, d, u, lang))


def series_frame(v: View, territories: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    ids = ["PT"] + [x for x in (territories if territories is not None else v.territories) if x != "PT"]
    df = data.values(v.indicator_id, territory_ids=ids)
    per = data.periods(v.indicator_id)[["period_id", "label_pt", "label_en"]]
    return df.merge(per, on="period_id", how="left").sort_values(["territory_id", "start_date"])


def territory_names(ids) -> dict[str, str]:
    ter = data.territories()
    m = dict(zip(ter["territory_id"], ter["name_unique"]))
    return {i: m.get(i, i) for i in ids}


def series_summary(v: View, df: pd.DataFrame) -> str:
    """One sentence for the series chart: the country's first and last values (one value when there is
    one period); with no national value, the first selected territory's, or why the chart is empty."""
    lang, d, u = v.lang, decimals(v), unit(v)
    ok = df[df["value"].notna()] if len(df) else df
    lab = column("label", lang)
    nat = ok[ok["territory_id"] == "PT"] if len(ok) else ok
    who, rows = t("series.country", lang), nat
    if not len(nat):
        others = [x for x in dict.fromkeys(ok["territory_id"])] if len(ok) else []
        if not others:
            return series_empty_text(v)
        who = territory_names([others[0]])[others[0]]
        rows = ok[ok["territory_id"] == others[0]]
    f, last = rows.iloc[0], rows.iloc[-1]
    if f["period_id"] == last["period_id"]:
        return t("series.summary.one", lang, title=title(v), who=who, value=fmt.value(last["value"], d, u, lang),
                 period=last[lab])
    return t("series.summary", lang, title=title(v), who=who, first=fmt.value(f["value"], d, u, lang),
             first_period=f[lab], last=fmt.value(last["value"], d, u, lang), last_period=last[lab])


def series_empty_text(v: View) -> str:
    """Why the series chart is empty, in words (indicators with official values for territories only)."""
    levels = ", ".join(level_label(lv, v.lang, plural=True) for lv in indicator_levels(v.ind))
    return t("series.summary.empty", v.lang, title=title(v), levels=levels)


def series_table_rows(v: View, df: pd.DataFrame, names: dict) -> tuple[list[tuple[str, str]], list[dict]]:
    """Wide table: one row per period, one column per territory."""
    lab = column("label", v.lang)
    order = ["PT"] + [x for x in dict.fromkeys(df["territory_id"]) if x != "PT"]
    cols = [("period", t("ind.period", v.lang))] + [(tid, names.get(tid, tid)) for tid in order]
    rows = []
    for pid, g in df.sort_values("start_date").groupby("period_id", sort=False):
        r = {"period": g[lab].iloc[0]}
        for _, x in g.iterrows():
            r[x["territory_id"]] = fmt.value(x["value"], decimals(v), unit(v), v.lang, na=t("nodata", v.lang))
        rows.append(r)
    return cols, rows


def with_(v: View, **changes) -> View:
    return replace(v, **changes)


def view_for(indicator_id: str, lang: str = "pt", **changes) -> View | None:
    """The view for controls' values; invalid combinations fall back to the indicator's defaults
    (e.g. a period the newly chosen indicator does not have -> its latest period)."""
    v = resolve(indicator_id, lang)
    if isinstance(v, Problem):
        return None
    valid = {"period": set(data.periods(v.indicator_id)["period_id"]), "level": set(indicator_levels(v.ind)),
             "classification": set(F.CLASSIFICATIONS), "view": set(F.VIEWS)}
    ok = {k: val for k, val in changes.items() if val is not None and (k not in valid or val in valid[k])}
    return with_(v, **ok)


def period_options(v: View) -> list[dict] | dict:
    """Newest first. Long lists (weekly, daily) use the compact {value: label} form to keep a map
    update small (their ids are not integer-like, so browsers keep the order)."""
    lab = column("label", v.lang)
    per = data.periods(v.indicator_id).iloc[::-1]
    labels = [t("period.provisional_mark", v.lang, period=r[lab]) if r["provisional"] else r[lab]
              for _, r in per.iterrows()]
    if len(per) > 60 and not per["period_id"].str.fullmatch(r"\d+").any():
        return dict(zip(per["period_id"], labels))
    return [{"label": lb, "value": pid} for lb, pid in zip(labels, per["period_id"])]


def _map_update(indicator_id, period, level, classification, view, lang):
    v = view_for(indicator_id, lang, period=period, level=level, classification=classification, view=view)
    if v is None:
        return None
    b = map_bundle(v)
    return {"period": v.period, "level": v.level, "classification": v.classification,
            "default_classification": default_classification(v),
            "md": b["md"], "layer": (b["layer"] or {}).get("name"),
            "export": b["export"],
            "summary": b["summary"], "note": b["note"], "key": b["key"], "title": title(v),
            "unit_long": unit_long(v), "description": pick(v.meta.get("description"), lang),
            "period_options": period_options(v),
            "level_options": [{"label": level_label(lv, lang, plural=True), "value": lv} for lv in indicator_levels(v.ind)]}


def map_update(indicator_id, period, level, classification, view, lang) -> dict | None:
    """Everything a map update needs, as plain data, cached per (indicator, period, level,
    classification, map type, language) and database version: the server work of a repeated update is a
    cache lookup. None for an unknown indicator."""
    return data.memo("map_update", (indicator_id, period, level, classification, view, lang_of(lang)), _map_update)
