"""The state of an indicator view (indicator, period, level, classification, map type, territories,
tab) read from a URL, validated, and turned into what the Indicador and embed pages draw.

`resolve()` is the single place that validates the URL: unknown indicator -> 404, an invalid
parameter -> 400 with the valid values; the pages and the HTTP status check both use it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from obs import data, fmt
from obs import figures as F
from obs.i18n import lang_of, level_label, pick, t

#: map levels, most detailed first
MAP_LEVELS = ("municipio", "nuts3", "nuts2")
TABS = ("serie", "ranking", "distribuicao", "metadados", "downloads")
MAX_TERRITORIES = 6
#: query parameters a view understands (anything else is ignored)
PARAMS = ("period", "level", "classification", "view", "territories", "tab", "lang")


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
                "classification": None if self.classification == "quantis" else self.classification,
                "view": None if self.view == "mapa" else self.view,
                "territories": ",".join(self.territories) or None,
                "tab": None if self.tab == "serie" else self.tab}


@dataclass(frozen=True)
class Problem:
    status: int                     # 404 or 400
    messages: list[str]
    valid_indicators: list[tuple[str, str]] = field(default_factory=list)


def indicator_levels(ind: dict) -> list[str]:
    declared = (ind.get("levels") or ",".join(MAP_LEVELS)).split(",")
    return [lv for lv in MAP_LEVELS if lv in declared]


def resolve(indicator_id: str | None, lang: str = "pt", **q) -> View | Problem:
    """Validate an indicator URL. Missing parameters take defaults (latest period, municipalities)."""
    lang = lang_of(lang if isinstance(lang, str) else None)
    ind = data.indicator(indicator_id or "") if indicator_id else None
    if ind is None:
        inds = data.indicators()
        title = "title_en" if lang == "en" else "title_pt"
        return Problem(404, [t("err.404.indicator", lang, id=indicator_id or "")],
                       [(r["indicator_id"], r[title]) for _, r in inds.iterrows()])
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
    return View(indicator_id=indicator_id, period=period or (period_ids[-1] if period_ids else ""),
                level=level or (levels[0] if levels else "municipio"), classification=classification or "quantis",
                view=view or "mapa", territories=tids, tab=tab or "serie", lang=lang, meta=meta, ind=ind)


def status(indicator_id: str | None = None, **q) -> int:
    """HTTP status of a direct load of an indicator URL."""
    r = resolve(indicator_id, **{k: v for k, v in q.items() if k in PARAMS})
    return r.status if isinstance(r, Problem) else 200


# -- what the pages draw ----------------------------------------------------------------------

def title(v: View) -> str:
    return pick(v.meta.get("title"), v.lang) or v.ind.get("title_pt", v.indicator_id)


def unit(v: View) -> str:
    from obs.i18n import short_unit
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
    return row.iloc[0]["label_en" if v.lang == "en" else "label_pt"]


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
    """Map data, layer, legend, summary sentence and classification note for a view."""
    layer = layer_for(v)
    df = map_frame(v, layer)
    md = F.map_data(df, method=v.classification, meta=v.meta, decimals=decimals(v), unit=unit(v), lang=v.lang)
    return {"md": md, "layer": layer, "frame": df, "summary": map_summary(v, df),
            "note": t(md["note"], v.lang) if md["note"] else "", "key": layer_key(v)}


def map_summary(v: View, df: pd.DataFrame) -> str:
    d, u, lang = decimals(v), unit(v), v.lang
    ok = df.dropna(subset=["value"])
    levels = level_label(v.level, lang, plural=True)
    if not len(ok):
        return t("map.summary.empty", lang, title=title(v), period=period_label(v), levels=levels)
    lo = ok.loc[ok["value"].idxmin()]
    hi = ok.loc[ok["value"].idxmax()]
    return t("map.summary", lang, title=title(v), period=period_label(v), levels=levels,
             min=fmt.value(lo["value"], d, u, lang), min_name=lo["name"],
             max=fmt.value(hi["value"], d, u, lang), max_name=hi["name"],
             median=fmt.value(float(np.median(ok["value"])), d, u, lang),
             n_missing=fmt.number(int(df["value"].isna().sum()), 0, lang))


def ranking_rows(v: View, bundle: dict | None = None) -> list[dict]:
    """The ranking: highest value first; ties share a position; no data last."""
    b = bundle or map_bundle(v)
    df = b["frame"].copy()
    md = b["md"]
    df["cls"] = df["territory_id"].map(md["class_text"])
    df = df.sort_values(["value", "name"], ascending=[False, True], na_position="last", kind="stable")
    df["pos"] = df["value"].rank(method="min", ascending=False)
    d, u = decimals(v), unit(v)
    nodata = t("nodata", v.lang)
    return [{"pos": "—" if pd.isna(r["pos"]) else fmt.number(r["pos"], 0, v.lang), "territory": r["name"],
             "value": fmt.value(r["value"], d, u, v.lang, na=nodata), "cls": r["cls"], "id": r["territory_id"]}
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
    nat = df[(df["territory_id"] == "PT") & df["value"].notna()]
    lang, d, u = v.lang, decimals(v), unit(v)
    if not len(nat):
        return t("series.summary.empty", lang, title=title(v))
    lab = "label_en" if lang == "en" else "label_pt"
    f, last = nat.iloc[0], nat.iloc[-1]
    return t("series.summary", lang, title=title(v), first=fmt.value(f["value"], d, u, lang), first_period=f[lab],
             last=fmt.value(last["value"], d, u, lang), last_period=last[lab])


def series_table_rows(v: View, df: pd.DataFrame, names: dict) -> tuple[list[tuple[str, str]], list[dict]]:
    """Wide table: one row per period, one column per territory."""
    lab = "label_en" if v.lang == "en" else "label_pt"
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
    lab = "label_en" if v.lang == "en" else "label_pt"
    per = data.periods(v.indicator_id).iloc[::-1]
    if len(per) > 60 and not per["period_id"].str.fullmatch(r"\d+").any():
        return dict(zip(per["period_id"], per[lab]))
    return [{"label": r[lab], "value": r["period_id"]} for _, r in per.iterrows()]


def _map_update(indicator_id, period, level, classification, view, lang):
    v = view_for(indicator_id, lang, period=period, level=level, classification=classification, view=view)
    if v is None:
        return None
    b = map_bundle(v)
    return {"period": v.period, "level": v.level, "md": b["md"], "layer": (b["layer"] or {}).get("name"),
            "summary": b["summary"], "note": b["note"], "key": b["key"], "title": title(v),
            "unit_long": unit_long(v), "description": pick(v.meta.get("description"), lang),
            "period_options": period_options(v),
            "level_options": [{"label": level_label(lv, lang, plural=True), "value": lv} for lv in indicator_levels(v.ind)]}


def map_update(indicator_id, period, level, classification, view, lang) -> dict | None:
    """Everything a map update needs, as plain data, cached per (indicator, period, level,
    classification, map type, language) and database version: the server work of a repeated update is a
    cache lookup. None for an unknown indicator."""
    return data.memo("map_update", (indicator_id, period, level, classification, view, lang_of(lang)), _map_update)
