"""The alarm engine: evaluate each indicator's thresholds, follow every alarm across periods, explain it.

Load: the facts of the build and the thresholds of each indicator's YAML (indicators/*.yaml,
`thresholds:`). Provisional values (a partial year or week: fact_indicator_value.is_provisional) are
never evaluated: no rule may raise or keep an alarm on them. Process: every rule type is a pure function registered with `@rule_type(name)`;
it takes a panel of one indicator's values (one row per territory and period, periods ordered,
missing values as NaN) and returns one evaluation per territory and period it can decide:
`flagged`, `value`, `threshold`, `reference_value` (+ `reference_period_id`). A missing value
never raises a flag, except through the `missing` rule. Reference values for deviations come
from resolvers registered with `@reference(name)`. Rules of one indicator that share a group
(obs: Threshold.group_id) make one alarm: in each period its level is the most severe rule that
fires. The lifecycle follows from the per-period evaluations:

    new       flagged now, never flagged before
    ongoing   flagged now and in the previous evaluated period
    reopened  flagged now, not in the previous evaluated period, flagged at some earlier time
    resolved  not flagged now, flagged at some earlier time

`since_period_id` is the start of the current run at the current level ("Crítico desde 2021": critical
in every evaluated period from 2021 on), `episode_since_period_id` the start of the episode at any
level. An alarm's series is current unless the indicator is discontinued or the territory has had no
evaluated value for more than STALE_AFTER calendar periods (`series_state`); an alarm is active when
its status is not resolved and its series is current (core.alarm_rules.is_active).

Save: fact_alarm_history (one row per alarm and evaluated period, from its first flag on) and
fact_alarm (each alarm's state at its latest evaluated period, resolved ones included), each row
with the rule, threshold, value, reference value, period and build, a self-contained explanation
(level, status, indicator, value, rule: the CLI, API and CSV) and a short sentence without the level,
status and indicator (pages show those beside it), in pt-PT and English.
"""
from __future__ import annotations

import functools
import operator
import re
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from etl.marts import insert
from core.periods import parse_period
from indicators.model import Indicator, Threshold
from core import fmt as F
from core.i18n import DEFAULT, column, t, tn
from core.alarm_rules import active_sql
from core.vocabulary import ALARM_LEVELS as LEVELS, SERIES_STATES, STALE_AFTER

EVAL_COLUMNS = ["territory_id", "period_id", "flagged", "value", "threshold", "reference_value",
                "reference_period_id"]
#: territorial levels a rule is evaluated on when its YAML does not say
DEFAULT_LEVELS = {"absolute": ["municipio", "nuts3", "nuts2"], "trend": ["municipio", "nuts3", "nuts2"],
                  "deviation": ["municipio", "nuts3", "nuts2"], "missing": ["municipio"],
                  "excess": ["pais", "nuts3"]}
#: reference kinds that only make sense for municipalities
MUNICIPAL_REFERENCES = {"nuts3", "peers"}
MIN_REFERENCE_N = 3   # a MAD from fewer values is not a spread

# -- registries ------------------------------------------------------------------------------------

RuleFn = Callable[[pd.DataFrame, Threshold, str], pd.DataFrame]
RULE_TYPES: dict[str, RuleFn] = {}
REFERENCES: dict[str, Callable] = {}


def rule_type(name: str):
    """Register a rule type: fn(panel, threshold, direction) -> evaluations (EVAL_COLUMNS)."""
    def deco(fn):
        RULE_TYPES[name] = fn
        return fn
    return deco


def reference(name: str):
    """Register a reference resolver: fn(panel, threshold, env) -> panel + `reference`, `spread`."""
    def deco(fn):
        REFERENCES[name] = fn
        return fn
    return deco


def direction_of(th: Threshold, polarity: str) -> str:
    """Which movement is worse: 'up', 'down' or 'both' (threshold's own, else the indicator's polarity)."""
    if th.direction:
        return th.direction
    return {"lower_is_better": "up", "higher_is_better": "down"}.get(str(getattr(polarity, "value", polarity)),
                                                                      "both")


def _out(panel: pd.DataFrame, mask, flagged, threshold, ref, ref_period=None) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    n = len(panel)
    bc = lambda x: np.broadcast_to(np.asarray(x, dtype=float), (n,))  # noqa: E731
    out = pd.DataFrame({
        "territory_id": panel["territory_id"].to_numpy()[mask],
        "period_id": panel["period_id"].to_numpy()[mask],
        "flagged": np.asarray(flagged, dtype=bool)[mask],
        "value": panel["value"].to_numpy(dtype=float)[mask],
        "threshold": bc(threshold)[mask],
        "reference_value": bc(ref)[mask],
        "reference_period_id": (np.asarray(ref_period, dtype=object)[mask] if ref_period is not None
                                else np.full(mask.sum(), None, dtype=object)),
    })
    return out


OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


# -- rule types (pure) -------------------------------------------------------------------------------

@rule_type("absolute")
def absolute(panel: pd.DataFrame, th: Threshold, direction: str = "both") -> pd.DataFrame:
    """value op threshold, or outside [low, high]. Exactly at the threshold: flagged by >= and <= only."""
    v = panel["value"].to_numpy(dtype=float)
    ok = ~np.isnan(v)
    if th.op == "outside":
        lo, hi = th.band
        flagged = ok & ((v < lo) | (v > hi))
        thr = np.where(v < (lo + hi) / 2, lo, hi)
    else:
        with np.errstate(invalid="ignore"):
            flagged = ok & OPS[th.op](v, th.value)
        thr = th.value
    return _out(panel, ok, flagged, thr, np.nan)


@rule_type("deviation")
def deviation(panel: pd.DataFrame, th: Threshold, direction: str = "both") -> pd.DataFrame:
    """Beyond k x MAD from the reference, or beyond ratio x reference, in the worse direction.

    `panel` carries `reference` and `spread` (the MAD). Strictly beyond: a value exactly at the cut
    is not flagged. Undecidable (not evaluated): no value, no reference, a MAD of 0 (k rule) or a
    reference <= 0 (ratio rule).
    """
    v = panel["value"].to_numpy(dtype=float)
    ref = panel["reference"].to_numpy(dtype=float)
    if th.k is not None:
        spread = panel["spread"].to_numpy(dtype=float)
        ok = ~np.isnan(v) & ~np.isnan(ref) & (spread > 0)
        up, down = ref + th.k * spread, ref - th.k * spread
    else:
        ok = ~np.isnan(v) & ~np.isnan(ref) & (ref > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            up, down = ref * th.ratio, ref / th.ratio
    with np.errstate(invalid="ignore"):
        f_up, f_down = ok & (v > up), ok & (v < down)
    if direction == "up":
        flagged, thr = f_up, up
    elif direction == "down":
        flagged, thr = f_down, down
    else:
        flagged = f_up | f_down
        thr = np.where(v < ref, down, up)
    return _out(panel, ok, flagged, thr, ref)


@rule_type("trend")
def trend(panel: pd.DataFrame, th: Threshold, direction: str = "both") -> pd.DataFrame:
    """Worse in each of the last N changes, or (with pct) worse by more than pct % over N periods.

    Periods are counted on the calendar (column `cal`, else `order`: consecutive periods differ by 1),
    not as delivered observations: over a gap the rule compares with the value N calendar periods back
    and is not decided when that value (or, for "each", any value in between) is missing.
    `reference_value` is the value N periods back, `reference_period_id` its period.
    """
    n = int(th.periods)
    key = "cal" if "cal" in panel.columns else "order"
    p = panel[panel["value"].notna()].sort_values(["territory_id", key])
    p = p.drop_duplicates(["territory_id", key], keep="last")
    if p.empty:
        return pd.DataFrame(columns=EVAL_COLUMNS)
    tid, pos = p["territory_id"].to_numpy(), p[key].to_numpy(dtype=np.int64)
    idx = pd.MultiIndex.from_arrays([tid, pos])
    val = pd.Series(p["value"].to_numpy(dtype=float), index=idx)
    per = pd.Series(p["period_id"].to_numpy(dtype=object), index=idx)

    def back(series, j):
        return series.reindex(pd.MultiIndex.from_arrays([tid, pos - j])).to_numpy()
    v = p["value"].to_numpy(dtype=float)
    s = back(val, n).astype(float)
    start_period = back(per, n)
    ok = ~np.isnan(s)
    if th.pct is None:
        vals = [v] + [back(val, j).astype(float) for j in range(1, n + 1)]
        ok = np.logical_and.reduce([~np.isnan(x) for x in vals])
        steps = [vals[j] - vals[j + 1] for j in range(n)]
        with np.errstate(invalid="ignore"):
            up_all = np.logical_and.reduce([x > 0 for x in steps])
            down_all = np.logical_and.reduce([x < 0 for x in steps])
        flagged = {"up": up_all, "down": down_all}.get(direction, up_all | down_all) & ok
        thr = np.nan
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            chg = (v - s) / np.abs(s) * 100
        ok = ok & (s != 0)
        with np.errstate(invalid="ignore"):
            f_up, f_down = ok & (chg > th.pct), ok & (chg < -th.pct)
        up_cut, down_cut = s + np.abs(s) * th.pct / 100, s - np.abs(s) * th.pct / 100
        if direction == "up":
            flagged, thr = f_up, up_cut
        elif direction == "down":
            flagged, thr = f_down, down_cut
        else:
            flagged, thr = f_up | f_down, np.where(v < s, down_cut, up_cut)
    return _out(p, ok, flagged, thr, s, start_period)


@rule_type("missing")
def missing(panel: pd.DataFrame, th: Threshold, direction: str = "both") -> pd.DataFrame:
    """No value in the last N periods of the indicator's calendar (the periods anyone delivered).

    `expected: reported`: decided from the period after the territory's first delivered value;
    `expected: all`: every territory in the panel, every period. `reference_period_id` is the last
    period delivered before (None if never).
    """
    n = int(th.periods or 1)
    p = panel.sort_values(["territory_id", "order"]).reset_index(drop=True)
    has = p["value"].notna()
    g = has.groupby(p["territory_id"], sort=False)
    # N consecutive missing periods ending here
    miss_run = np.logical_and.reduce([(~g.shift(j, fill_value=True)).to_numpy(dtype=bool) for j in range(n)]) \
        if n > 1 else (~has).to_numpy()
    seen_before = g.cumsum().sub(has.astype(int)).gt(0).to_numpy()   # delivered in an earlier period
    idx = g.cumcount().to_numpy()
    if th.expected == "all":
        ok = idx >= n - 1
    else:
        ok = seen_before
    flagged = ok & miss_run
    last = p["period_id"].where(has).groupby(p["territory_id"], sort=False).ffill()
    last_before = last.groupby(p["territory_id"], sort=False).shift(1)
    return _out(p, ok, flagged, float(n), np.nan, last_before.to_numpy(dtype=object))


# -- excess: weekly mortality surveillance (core/surveillance.py; issue 13) ---------------------------

@rule_type("excess")
def excess(panel: pd.DataFrame, th: Threshold, direction: str = "up") -> pd.DataFrame:
    """Above the upper bound of the expected weekly count (z-score `k`, default 2) in each of the last
    `periods` (default 2) consecutive ISO weeks. Evaluated on the weeks whose year has a baseline; the
    caller has left provisional weeks out. `threshold` = the upper bound, `reference_value` = the expected
    count, `reference_period_id` = the first week of the run."""
    from core import surveillance as S
    n = int(th.periods or S.ALARM_WEEKS)
    out = []
    for tid, g in panel.groupby("territory_id", sort=False):
        b = S.baseline(g["period_id"], g["value"], z=th.k or S.Z_UPPER)
        flagged = S.runs_above(b, n)
        start = dict(zip(b["t"], b["period_id"]))
        first = np.array([start.get(x - n + 1) for x in b["t"]], dtype=object)
        ok = b["evaluated"].to_numpy()
        out.append(_out(b.assign(territory_id=tid, value=b["observed"]), ok, flagged, b["upper"].to_numpy(),
                        b["expected"].to_numpy(), first))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=EVAL_COLUMNS)


# -- reference resolvers ------------------------------------------------------------------------------

def _mad(x: pd.Series) -> float:
    x = x.dropna()
    if len(x) < MIN_REFERENCE_N:
        return np.nan
    return float((x - x.median()).abs().median())


@dataclass
class Env:
    """What resolvers may read: all the indicator's facts, the territory table and the peers."""
    facts: pd.DataFrame            # territory_id, period_id, value (all levels)
    territory: pd.DataFrame
    peers: pd.DataFrame | None = None


@reference("national")
def ref_national(panel: pd.DataFrame, th: Threshold, env: Env) -> pd.DataFrame:
    """The PT value of the same period; spread = MAD of the territories of the panel's level."""
    pt = env.facts[env.facts["territory_id"] == "PT"].set_index("period_id")["value"]
    spread = panel.groupby("period_id")["value"].agg(_mad)
    return panel.assign(reference=panel["period_id"].map(pt).astype(float),
                        spread=panel["period_id"].map(spread).astype(float))


@reference("nuts3")
def ref_nuts3(panel: pd.DataFrame, th: Threshold, env: Env) -> pd.DataFrame:
    """The own NUTS III value of the same period; spread = MAD of that region's municipalities."""
    n3 = env.territory.set_index("territory_id")["nuts3_id"]
    p = panel.assign(_n3=panel["territory_id"].map(n3))
    reg = env.facts.rename(columns={"territory_id": "_n3", "value": "reference"})[["_n3", "period_id", "reference"]]
    spread = p.groupby(["_n3", "period_id"])["value"].agg(_mad).rename("spread").reset_index()
    p = p.merge(reg, on=["_n3", "period_id"], how="left").merge(spread, on=["_n3", "period_id"], how="left")
    return p.drop(columns="_n3")


@reference("peers")
def ref_peers(panel: pd.DataFrame, th: Threshold, env: Env) -> pd.DataFrame:
    """The median of the peer group (th.peer_group) in the same period; spread = the peers' MAD."""
    if env.peers is None or env.peers.empty:
        return panel.assign(reference=np.nan, spread=np.nan)
    pairs = env.peers[env.peers["group_type"] == th.peer_group][["territory_id", "peer_id"]]
    vals = panel[["territory_id", "period_id", "value"]].dropna(subset=["value"])
    pv = pairs.merge(vals.rename(columns={"territory_id": "peer_id"}), on="peer_id")
    g = pv.groupby(["territory_id", "period_id"])["value"]
    med = g.median().rename("reference")
    n = g.size().rename("_n")
    pv = pv.join(med, on=["territory_id", "period_id"])
    mad = (pv["value"] - pv["reference"]).abs().groupby([pv["territory_id"], pv["period_id"]]).median().rename("spread")
    agg = pd.concat([med, mad, n], axis=1).reset_index()
    agg.loc[agg["_n"] < MIN_REFERENCE_N, ["reference", "spread"]] = np.nan
    return panel.merge(agg.drop(columns="_n"), on=["territory_id", "period_id"], how="left")


# -- lifecycle (pure) --------------------------------------------------------------------------------

def lifecycle(ev: pd.DataFrame) -> pd.DataFrame:
    """Statuses from per-period evaluations.

    `ev`: one row per alarm_id and evaluated period with `order` (period rank) and `flagged`.
    Returns the rows from each alarm's first flagged period on, with `status` and `since_period_id`
    (first period of the current episode; for a resolved alarm, the period it was resolved in).
    """
    e = ev.sort_values(["alarm_id", "order"]).reset_index(drop=True)
    f = e["flagged"].astype(bool)
    g = f.groupby(e["alarm_id"], sort=False)
    prev = g.shift(1, fill_value=False).astype(bool)
    ever_before = g.cummax().groupby(e["alarm_id"], sort=False).shift(1, fill_value=False).astype(bool)
    keep = f | ever_before
    status = np.select([f & prev, f & ~ever_before, f & ever_before, ~f & ever_before],
                       ["ongoing", "new", "reopened", "resolved"], default="")
    e["status"] = status
    start = (f != prev) & keep   # an episode (or a resolution) starts here
    e["since_period_id"] = e["period_id"].where(start).groupby(e["alarm_id"], sort=False).ffill()
    return e[keep].reset_index(drop=True)


# -- explanations ------------------------------------------------------------------------------------

#: the phrases of an alarm's explanation, by name: catalogue texts `alarm.text.<name>` (the comparison
#: operators as `alarm.text.op.gt`, …; a reference's two pt-PT forms, "do valor nacional" / "o valor
#: nacional", as `alarm.text.ref.<reference>.de` / `.o`)
_PHRASE_NAMES = ('new', 'ongoing', 'reopened', 'resolved', 'no_longer', '>', '>=', '<', '<=', 'outside', 'k', 'above', 'below', 'ratio_up', 'ratio_down', 'each', 'each_both', 'pct_worse', 'worse_up', 'worse_down', 'missing_1', 'missing', 'missing_last', 'missing_never', 'missing_resolved', 'official', 'analytical')
_OPERATORS = {'>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le'}
_REFERENCES = ('national', 'nuts3', 'peers:profile', 'peers:size', 'peers:nuts3', 'peers:cim', 'peers:neighbours')


def _phrase_key(name: str) -> str:
    return "alarm.text." + ("op." + _OPERATORS[name] if name in _OPERATORS else name)


@functools.lru_cache(maxsize=None)
def _phrases(lang: str) -> dict:
    """The phrases of `lang` from the catalogue, looked up once per process."""
    out = {name: t(_phrase_key(name), lang) for name in _PHRASE_NAMES}
    out["ref"] = {r: (t(f"alarm.text.ref.{r.replace(':', '.')}.de", lang),
                      t(f"alarm.text.ref.{r.replace(':', '.')}.o", lang)) for r in _REFERENCES}
    return out


@functools.lru_cache(maxsize=1024)
def _title_lc(title: str) -> str:
    """Lower-case the first letter mid-sentence, unless it starts an acronym (PMP, NO2, COVID-19)."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


@functools.lru_cache(maxsize=65536)
def _num_cached(x: float, decimals: int, lang: str) -> str:
    return F.number(x, decimals, lang)


def _isnan(x) -> bool:
    return x is None or x != x or x is pd.NA


def _num(x, decimals, lang) -> str:
    if _isnan(x):
        return F.number(None, decimals, lang)
    return _num_cached(float(x), int(decimals), lang)


def _thr(x, decimals, lang) -> str:
    """A declared threshold: no decimals when it is a whole number (120, not 120,0)."""
    if not _isnan(x) and float(x) == round(float(x)):
        return _num(x, 0, lang)
    return _num(x, decimals, lang)


@dataclass
class Labels:
    """What an explanation needs from the indicator and the period table."""
    title: dict
    unit: dict
    decimals: int
    period_label: Callable[[str, str], str]
    polarity: str = "neutral"


_WORD = re.compile(r"[A-Za-zÀ-ÿ]{3,}")


def is_symbol(short_unit: str) -> bool:
    """A short unit that reads the same in both languages (%, €/m², µg/m³, ‰, min), not a word (dias, hab.)."""
    return bool(short_unit) and not any(w != "min" for w in _WORD.findall(short_unit))


def labels_for(ind: Indicator, period_label: Callable[[str, str], str] | None = None) -> Labels:
    sym = is_symbol(ind.short_unit)
    unit = {"pt": ind.short_unit if sym else ind.unit.pt, "en": ind.short_unit if sym else ind.unit.en}
    return Labels({"pt": ind.title.pt, "en": ind.title.en}, unit, ind.decimals, period_label or default_period_label,
                  ind.polarity.value)


def default_period_label(pid: str, lang: str) -> str:
    try:
        p = parse_period(pid)
    except ValueError:
        return str(pid)
    return getattr(p, column("label", lang))


def _with_unit(s: str, unit: str, lang: str) -> str:
    if not unit or s == "—":
        return s
    if unit == "%" and lang == "en":
        return s + "%"
    return f"{s}{F.NBSP}{unit}"


def _plain(x: float, lang: str) -> str:
    """A declared factor with the decimals it has (1,25 not 1,2; 3 not 3,0)."""
    for d in range(4):
        if abs(round(float(x), d) - float(x)) < 1e-9:
            return F.number(float(x), d, lang)
    return F.number(float(x), 3, lang)


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parts(row: dict, th: Threshold, lab: Labels, lang: str) -> tuple[str, str, str, str]:
    """What the alarm says about the value, without level, status or indicator: (separator after the
    indicator's title, the value, " em <its period>", the rest). The body is value [+ period] + rest."""
    P = _phrases(lang)
    per = lambda pid: "?" if _isnan(pid) or not pid else lab.period_label(pid, lang)  # noqa: E731
    status = row["status"]
    d = lab.decimals
    unit = lab.unit[lang]
    v = row.get("value")
    value_s = _with_unit(_num(v, d, lang), unit, lang)
    period_s = ""
    if not _isnan(row.get("period_id")) and row.get("period_id"):
        on_a_day = bool(_DAY.fullmatch(str(row["period_id"])))
        period_s = " " + (t("alarm.text.on_day", lang, p=per(row["period_id"])) if on_a_day
                           else t("alarm.text.in_period", lang, p=per(row["period_id"])))
    neg = P["no_longer"] if status == "resolved" else ""
    if th.rule == "absolute":
        if th.op == "outside":
            clause = P["outside"].format(lo=_thr(th.band[0], d, lang), hi=_thr(th.band[1], d, lang))
        else:
            clause = P[th.op].format(t=_with_unit(_thr(th.value, d, lang), unit, lang))
        return " ", value_s, period_s, f", {neg}{clause}"
    if th.rule == "deviation":
        r = row.get("reference_value")
        ref_de, ref_o = P["ref"][th.reference + (f":{th.peer_group}" if th.reference == "peers" else "")]
        r_s = _num(r, d, lang)
        above = v is not None and r is not None and not pd.isna(v) and not pd.isna(r) and v >= r
        if th.k is not None:
            clause = P["k"].format(side=P["above" if above else "below"], ref_de=ref_de, r=r_s, k=_plain(th.k, lang))
        else:
            clause = P["ratio_up" if above else "ratio_down"].format(x=_plain(th.ratio, lang), ref_o=ref_o,
                                                                     ref_de=ref_de, r=r_s)
        return " ", value_s, period_s, f", {neg}{clause}"
    if th.rule == "trend":
        s = row.get("reference_value")
        s_s = _with_unit(_num(s, d, lang), unit, lang)
        sp = per(row.get("reference_period_id"))
        if th.pct is None:
            key = "each_both" if direction_of(th, lab.polarity) == "both" else "each"
            clause = P[key].format(n=th.periods, s=s_s, sp=sp)
        else:
            chg = (v - s) / abs(s) * 100 if s not in (None, 0) and not pd.isna(s) and not pd.isna(v) else np.nan
            word = P["worse_up"] if (not pd.isna(chg) and chg >= 0) else P["worse_down"]
            clause = P["pct_worse"].format(word=word, c=F.number(abs(chg), 1, lang), n=th.periods, s=s_s, sp=sp,
                                           pct=_thr(th.pct, 1, lang), neg=neg)
            neg = ""
        return " ", value_s, period_s, f", {neg}{clause}"
    if th.rule == "excess":
        clause = t("surveillance.alarm.clause", lang, neg=neg, upper=_num(row.get("threshold"), 0, lang),
                   expected=_num(row.get("reference_value"), 0, lang), n=int(th.periods or 2),
                   z=_plain(th.k or 2, lang))
        return " ", value_s, period_s, f", {clause}"
    # missing
    if status == "resolved":
        return ": ", "", "", f"{P['missing_resolved']} ({value_s})"
    lp = row.get("reference_period_id")
    last = P["missing_last"].format(lp=per(lp)) if not _isnan(lp) and lp else P["missing_never"]
    n = int(th.periods or 1)
    return ": ", "", "", f"{P['missing_1'] if n == 1 else P['missing'].format(n=n)} ({last})"


def texts(row: dict, th: Threshold, lab: Labels, lang: str = "pt") -> tuple[str, str]:
    """(explanation, sentence) of one row, computed once.

    The explanation is self-contained (CLI, API, CSV): status and level, the indicator and its value,
    the rule, official or analytical. The sentence is for pages that show the level, status and
    indicator beside it: the value, its period and the rule ("41,3 µg/m³ em 2021, acima de 40 µg/m³.").
    `row`: status, level (of the episode), period_id, since_period_id (start of the run at this
    level), value, threshold, reference_value, reference_period_id, flagged.
    """
    lang = "en" if lang == "en" else "pt"
    P = _phrases(lang)
    lv = LEVELS[row["level"]].label(lang)
    per = lambda pid: "?" if _isnan(pid) or not pid else lab.period_label(pid, lang)  # noqa: E731
    status = row["status"]
    head = P[status].format(level=lv, level_lc=lv.lower(), p=per(row["period_id"]), since=per(row["since_period_id"]))
    sep, value_s, period_s, rest = _parts(row, th, lab, lang)
    kind = P["official"].format(c=th.cite(lang).rstrip(".")) if th.official else P["analytical"]
    # the head names the value's period except for an ongoing alarm ("desde" is when the run began)
    body = value_s + (period_s if status == "ongoing" else "") + rest
    short = value_s + period_s + rest
    return (f"{head}: {_title_lc(lab.title[lang])}{sep}{body} — {kind}.", short[:1].upper() + short[1:] + ".")


def explain(row: dict, th: Threshold, lab: Labels, lang: str = "pt") -> str:
    """The self-contained explanation of an alarm row (see `texts`)."""
    return texts(row, th, lab, lang)[0]


def sentence(row: dict, th: Threshold, lab: Labels, lang: str = "pt") -> str:
    """The one sentence shown beside the level, status and indicator (see `texts`)."""
    return texts(row, th, lab, lang)[1]


# -- the engine ---------------------------------------------------------------------------------------

def period_order(period_ids) -> dict[str, int]:
    """Rank of each period id by (end date, start date, id)."""
    keys = []
    for pid in set(period_ids):
        try:
            p = parse_period(pid)
            keys.append(((p.end_date, p.start_date, pid), pid))
        except ValueError:
            continue
    return {pid: i for i, (_, pid) in enumerate(sorted(keys))}


def calendar_positions(period_ids, periodicity: str) -> dict[str, int]:
    """Position of each period on the indicator's calendar: consecutive periods differ by 1.

    annual: the year (of the period's end: 2024-Q4 of an annual series is 2024); quarterly: year × 4 +
    quarter; weekly: ISO weeks; daily: days. Census, election and irregular series have no fixed step:
    their calendar is the periods given (the dates anyone delivered), ranked.
    """
    kind = str(getattr(periodicity, "value", periodicity))
    parsed = {}
    for pid in set(period_ids):
        try:
            parsed[pid] = parse_period(pid)
        except ValueError:
            continue
    if kind == "annual":
        return {k: p.end_date.year for k, p in parsed.items()}
    if kind == "quarterly":
        return {k: p.end_date.year * 4 + (p.end_date.month - 1) // 3 for k, p in parsed.items()}
    if kind == "weekly":
        return {k: p.start_date.toordinal() // 7 for k, p in parsed.items()}
    if kind == "daily":
        return {k: p.end_date.toordinal() for k, p in parsed.items()}
    ranked = sorted(parsed, key=lambda k: (parsed[k].end_date, parsed[k].start_date, k))
    return {k: i for i, k in enumerate(ranked)}


def levels_for(th: Threshold) -> list[str]:
    lv = list(th.levels or DEFAULT_LEVELS[th.rule])
    if th.rule == "deviation" and th.reference in MUNICIPAL_REFERENCES:
        lv = [x for x in lv if x == "municipio"]
    return lv


def panel_for(facts: pd.DataFrame, territory: pd.DataFrame, level: str, order: dict[str, int],
              full: bool) -> pd.DataFrame:
    """One indicator's values at one level: territory_id, period_id, order, value. With `full`, the
    whole grid territories × periods delivered at that level (missing values as NaN)."""
    ids = territory.loc[territory["level"] == level, "territory_id"]
    v = facts[facts["territory_id"].isin(ids)][["territory_id", "period_id", "value"]]
    if full:
        periods = v.loc[v["value"].notna(), "period_id"].unique()
        grid = pd.MultiIndex.from_product([ids.unique(), periods], names=["territory_id", "period_id"]).to_frame(index=False)
        v = grid.merge(v, on=["territory_id", "period_id"], how="left")
    v = v.assign(order=v["period_id"].map(order))
    return v.dropna(subset=["order"]).astype({"order": int}).reset_index(drop=True)


def evaluate_indicator(ind: Indicator, facts: pd.DataFrame, territory: pd.DataFrame, order: dict[str, int],
                       peers: pd.DataFrame | None = None) -> pd.DataFrame:
    """All evaluations of one indicator's thresholds: EVAL_COLUMNS + rule_n, group_id, level, severity."""
    env = Env(facts=facts, territory=territory, peers=peers)
    out = []
    panels: dict[tuple, pd.DataFrame] = {}
    for n, th in enumerate(ind.thresholds, 1):
        direction = direction_of(th, ind.polarity)
        for lvl in levels_for(th):
            key = (lvl, th.rule == "missing")
            if key not in panels:
                panels[key] = panel_for(facts, territory, lvl, order, full=key[1])
            panel = panels[key]
            if panel.empty:
                continue
            if th.rule == "deviation":   # rules sharing a reference (k = 2 and k = 3) resolve it once
                rkey = (lvl, th.reference, th.peer_group if th.reference == "peers" else None)
                if rkey not in panels:
                    panels[rkey] = REFERENCES[th.reference](panel, th, env)
                panel = panels[rkey]
            elif th.rule == "trend":     # count calendar periods, not observations
                cal = calendar_positions(panel["period_id"].unique(), ind.periodicity)
                panel = panel.assign(cal=panel["period_id"].map(cal))
                panel = panel[panel["cal"].notna()].astype({"cal": np.int64})
            ev = RULE_TYPES[th.rule](panel, th, direction)
            if ev.empty:
                continue
            out.append(ev.assign(rule_n=n, group_id=th.group_id, level=th.level, severity=LEVELS[th.level].severity))
    if not out:
        return pd.DataFrame(columns=EVAL_COLUMNS + ["rule_n", "group_id", "level", "severity"])
    return pd.concat(out, ignore_index=True)


def combine_groups(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per (territory, group, period): the most severe firing rule, else the least severe rule."""
    pick = np.where(ev["flagged"], 100 + ev["severity"], -ev["severity"])
    e = ev.assign(_pick=pick).sort_values(["territory_id", "group_id", "period_id", "_pick", "rule_n"],
                                          ascending=[True, True, True, False, True])
    return e.drop_duplicates(["territory_id", "group_id", "period_id"]).drop(columns="_pick")


def level_runs(h: pd.DataFrame) -> pd.Series:
    """For each history row (ordered by alarm and period): the start of the current run of consecutive
    flagged periods at the row's level; for an unflagged row, its lifecycle since (the resolution)."""
    fl = h["flagged"].astype(bool)
    lv = h["level"].where(fl)
    a = h["alarm_id"]
    prev_fl = fl.groupby(a, sort=False).shift(1, fill_value=False).astype(bool)
    prev_lv = lv.groupby(a, sort=False).shift(1)
    start = fl & (~prev_fl | (lv != prev_lv))
    run = h["period_id"].where(start).groupby(a, sort=False).ffill()
    return run.where(fl, h["since_period_id"])


#: series states whose alarms say so at the end of their explanation: catalogue `series.note.<state>`
#: ({d}: why the indicator was discontinued; {p}: the last evaluated period)
SERIES_NOTES = ("discontinued", "stale")


def series_note(state: str, lang: str, d: str = "", p: str = "") -> str:
    return " " + t(f"series.note.{state}", lang, d=d, p=p)


def series_states(cur: pd.DataFrame, ind: Indicator, facts: pd.DataFrame, territory: pd.DataFrame) -> pd.Series:
    """current | discontinued | stale for each current-state row (`period_id`, `territory_id`): stale when
    the alarm's period is more than STALE_AFTER calendar periods behind the indicator's latest evaluated
    period at the territory's level."""
    if ind.discontinued is not None:
        return pd.Series("discontinued", index=cur.index)
    lvl = territory.set_index("territory_id")["level"]
    f = facts[facts["value"].notna()].assign(_lvl=lambda x: x["territory_id"].map(lvl))
    cal = calendar_positions(f["period_id"].unique(), ind.periodicity)
    latest = f.assign(_c=f["period_id"].map(cal)).groupby("_lvl")["_c"].max()
    mine = cur["period_id"].map(cal)
    behind = cur["territory_id"].map(lvl).map(latest) - mine
    return pd.Series(np.where(behind > STALE_AFTER, "stale", "current"), index=cur.index)


def alarms_for(ind: Indicator, facts: pd.DataFrame, territory: pd.DataFrame, order: dict[str, int],
               peers: pd.DataFrame | None, run_id: str, period_label=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, current) rows of one indicator's alarms. `facts` are the values the rules may read
    (final values: the caller leaves provisional ones out)."""
    ev = evaluate_indicator(ind, facts, territory, order, peers)
    if ev.empty:
        return pd.DataFrame(), pd.DataFrame()
    ev = combine_groups(ev)
    ev["alarm_id"] = ind.id + "|" + ev["territory_id"] + "|" + ev["group_id"]
    ev["order"] = ev["period_id"].map(order)
    h = lifecycle(ev)
    if h.empty:
        return pd.DataFrame(), pd.DataFrame()
    h["indicator_id"] = ind.id
    h["rule_id"] = ind.id + "#" + h["rule_n"].astype(str)
    # the level of the episode: for a resolved row, the level it had when last flagged
    lvl = h["level"].where(h["flagged"])
    h["episode_level"] = lvl.groupby(h["alarm_id"], sort=False).ffill()
    h["episode_since_period_id"] = h["since_period_id"]
    h["since_period_id"] = level_runs(h)          # "Crítico desde": the run at the stated level
    lab = labels_for(ind, period_label)
    ths = ind.thresholds
    # explained: flagged periods, status changes and each alarm's latest row (not every quiet
    # period after a resolution, which would repeat the same sentence)
    is_last = ~h["alarm_id"].duplicated(keep="last")
    changed = h["status"] != h.groupby("alarm_id", sort=False)["status"].shift(1)
    need = (h["flagged"] | changed | is_last).to_numpy()
    cols = ["status", "episode_level", "period_id", "since_period_id", "value", "threshold", "reference_value",
            "reference_period_id", "flagged", "rule_n"]
    sub = h.loc[need, cols]
    out = {c: [] for c in ("explanation_pt", "explanation_en", "sentence_pt", "sentence_en")}
    for vals in zip(*(sub[c].tolist() for c in cols)):
        r = dict(zip(cols, vals))
        r["level"] = r["episode_level"]
        th = ths[r["rule_n"] - 1]
        for lang in ("pt", "en"):
            e, sn = texts(r, th, lab, lang)
            out[f"explanation_{lang}"].append(e)
            out[f"sentence_{lang}"].append(sn)
    for c, v in out.items():
        h[c] = None
        h.loc[need, c] = v
    h["run_id"] = run_id
    history = h.assign(level=h["level"].where(h["flagged"]))
    # current state: the latest evaluated period of each alarm
    last = h.groupby("alarm_id", sort=False).tail(1).set_index("alarm_id")
    first = h.groupby("alarm_id", sort=False)["period_id"].first()
    last_flag = h[h["flagged"]].groupby("alarm_id", sort=False)["period_id"].last()
    cur = last.reset_index()
    th_of = [ths[n - 1] for n in cur["rule_n"]]
    cur = cur.assign(
        level=cur["episode_level"], rule_type=[t.rule for t in th_of],
        reference_kind=[t.reference if t.rule == "deviation" else None for t in th_of],
        official=[t.official for t in th_of], citation=[t.citation or None for t in th_of],
        reason_pt=[t.reason.pt for t in th_of], reason_en=[t.reason.en for t in th_of],
        first_period_id=cur["alarm_id"].map(first), last_flagged_period_id=cur["alarm_id"].map(last_flag),
        severity=cur["episode_level"].map(lambda x: LEVELS[x].severity))
    cur["series_state"] = series_states(cur, ind, facts, territory)
    cur["is_current"] = cur["series_state"].map(lambda x: SERIES_STATES[x].current).astype(bool)
    # a series that is not current says so in every self-contained sentence: app, API and CLI alike
    for state in SERIES_NOTES:
        m = cur["series_state"] == state
        if not m.any():
            continue
        for lang in ("pt", "en"):
            col = f"explanation_{lang}"
            note = cur.loc[m, "period_id"].map(lambda p, lang=lang, state=state: series_note(
                state, lang, d=ind.discontinued(lang) if ind.discontinued is not None else "",
                p=lab.period_label(p, lang)))
            cur.loc[m, col] = cur.loc[m, col].fillna("") + note
            if state == "discontinued":
                hm = history[col].notna()
                history.loc[hm, col] = history.loc[hm, col] + series_note(state, lang, d=ind.discontinued(lang))
    return history, cur


def run(con, ctx) -> None:
    """The pipeline step (etl.build.PIPELINE, after peers): fact_alarm and fact_alarm_history."""
    t0 = time.perf_counter()
    facts = ctx.facts
    if facts is None or facts.empty:
        return
    if "is_provisional" in facts.columns:     # a partial year or week never raises or keeps an alarm
        facts = facts[~facts["is_provisional"].fillna(False).astype(bool)]
    order = period_order(facts["period_id"].unique())
    labels = {pid: (p.label_pt, p.label_en) for pid in order for p in [parse_period(pid)]}

    def plabel(pid: str, lang: str) -> str:
        if pid in labels:
            return labels[pid][0 if lang == DEFAULT else 1]
        return default_period_label(pid, lang)
    peers = getattr(ctx, "peers", None)
    if peers is None:
        peers = con.execute("SELECT territory_id, group_type, peer_id FROM dim_peer").df()
    hist, cur = [], []
    by_ind = dict(tuple(facts[["indicator_id", "territory_id", "period_id", "value"]].groupby("indicator_id")))
    for ind in ctx.registry.values():
        if not ind.thresholds or ind.id not in by_ind:
            continue
        h, c = alarms_for(ind, by_ind[ind.id], ctx.territory, order, peers, ctx.run_id, plabel)
        if len(h):
            hist.append(h)
            cur.append(c)
    if hist:
        insert(con, "fact_alarm", pd.concat(cur, ignore_index=True))
        insert(con, "fact_alarm_history", pd.concat(hist, ignore_index=True))
    n = sum(len(c) for c in cur)
    n_active = sum(int((c["status"] != "resolved").where(c["is_current"], False).sum()) for c in cur)
    ctx.progress(f"alarms: {n} alarms ({n_active} active), {sum(len(h) for h in hist)} history rows "
                 f"({time.perf_counter() - t0:.2f} s)")


# -- the CLI report ----------------------------------------------------------------------------------

def find_territory(con, query: str) -> tuple[list[tuple], str]:
    """Territories matching an id (case-insensitive) or a name (accents and case ignored): exact
    id, then exact unique name, then name prefix, then substring. Returns (rows, how)."""
    from core.text import fold
    q = query.strip()
    cols = "territory_id, name_unique, level"
    rows = con.execute(f"SELECT {cols} FROM dim_territory WHERE upper(territory_id) = upper(?)", [q]).fetchall()
    if not rows and q.isdigit() and len(q) == 3:   # a DICO typed without its leading zero
        rows = con.execute(f"SELECT {cols} FROM dim_territory WHERE territory_id = ?", ["0" + q]).fetchall()
    if rows:
        return rows, "id"
    f = fold(q)
    for how, sql, arg in (("name", "name_search = ? OR lower(strip_accents(name)) = ?", [f, f]),
                          ("prefix", "name_search LIKE ?", [f + "%"]),
                          ("substring", "name_search LIKE ?", ["%" + f + "%"])):
        rows = con.execute(f"SELECT {cols} FROM dim_territory WHERE {sql} ORDER BY sort_key", arg).fetchall()
        if rows:
            # a name shared by a municipality and a region (Lisboa, Porto): prefer the municipality
            munis = [r for r in rows if r[2] == "municipio"]
            if how == "name" and len(rows) > 1 and len(munis) == 1:
                rows = munis
            return rows, how
    return [], "none"


def report(con, query: str, lang: str = "pt", include_resolved: bool = False) -> tuple[str, int]:
    """The text the CLI prints: a territory's active (or all) alarms, most severe first. (text, exit code)."""
    from core.vocabulary import STATUSES
    rows, how = find_territory(con, query)
    if not rows:
        return t("cli.alarms.no_match", lang, query=repr(query)), 2
    if len(rows) > 1:
        head = tn("cli.alarms.many_match", len(rows), lang, query=repr(query))
        return head + "\n" + "\n".join(f"  {r[0]:8} {r[1]} ({r[2]})" for r in rows[:40]), 2
    tid, name, level = rows[0]
    col = column("explanation", lang)
    title = "i." + column("title", lang)
    active = active_sql("a.")
    alarms = con.execute(
        f"SELECT a.level, a.status, {col}, a.indicator_id, {title}, {active} AS active, a.series_state "
        f"FROM fact_alarm a JOIN dim_indicator i USING (indicator_id) WHERE a.territory_id = ? "
        f"AND ({'TRUE' if include_resolved else active}) "
        f"ORDER BY NOT ({active}), a.severity DESC NULLS LAST, {title}, a.alarm_id",
        [tid]).fetchall()
    build = con.execute("SELECT run_id, data_system, is_demo FROM meta_build ORDER BY started_at DESC LIMIT 1").fetchone()
    what = t("cli.alarms.all", lang) if include_resolved else t("cli.alarms.active", lang)
    lines = [f"{name} ({tid}, {level}) — {len(alarms)} {what}"]
    if build:
        lines.append(t("cli.alarms.build", lang, run=build[0]) + (" (DEMO)" if build[2] else ""))
    lines.append("")
    if not alarms:
        lines.append(t("cli.alarms.none", lang))
    for lv, st, text, _iid, _t, active, state in alarms:
        L = LEVELS[lv]
        S = STATUSES[st]
        shown = S.label(lang) if active or st == "resolved" else SERIES_STATES[state].label(lang)
        lines.append(f"{L.symbol} [{L.label(lang)} · {shown}] {text}")
    return "\n".join(lines), 0
