"""View builders of /simulacao (issue 12): a scenario from the URL or the controls, its results as a
winners/losers map, tables (biggest changes with the one-sentence "why", NUTS III, size class), the
totals check and the Gini coefficient; and the threshold what-if of the alarm rules.

Pure builders over serving.simulation: the page (pages/simulacao.py) only wires them to callbacks.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dash import html
from pydantic import ValidationError

from core import fmt
from core.i18n import pick, t
from serving import data
from serving.simulation import engine, files, inputs, presets, run
from serving.simulation.scenario import Scenario, errors
from web import figures as F
from web import ui

DEFAULT_PRESET = "fgm_art32"
#: the baselines a user can pick: actual transfers (total of a year; the 2014 breakdown), none, a preset
BASELINE_CHOICES = (["fef:2014", "fsm:2014", "irs:2014"] + [f"total:{y}" for y in range(2014, 2024)] + ["none"])
#: classes of the winners/losers map: change in % against the baseline
CHANGE_EDGES = [-10.0, -2.0, 2.0, 10.0]
#: losers (orange) → about the same (grey) → winners (blue); colour-blind safe, never meaning by colour alone
DIVERGING = ["#b35806", "#f1a340", "#e0e0e0", "#92c5de", "#2166ac"]


@dataclass
class State:
    scenario: Scenario
    preset: str | None
    baseline: str           # a BASELINE_CHOICES key or "preset:<id>"


class Problem(ValueError):
    def __init__(self, field_: str, message: str):
        super().__init__(message)
        self.field = field_


def baseline_options(lang: str) -> list[dict]:
    out = []
    for k in BASELINE_CHOICES:
        if k == "none":
            out.append({"label": t("sim.baseline.none", lang), "value": k})
        else:
            m, y = k.split(":")
            out.append({"label": t(f"sim.baseline.{m}", lang, year=y), "value": k})
    for pid, p in presets.presets().items():
        out.append({"label": t("sim.baseline.preset", lang, title=pick(p["title"], lang)), "value": f"preset:{pid}"})
    return out


def _with_baseline(d: dict, choice: str) -> dict:
    if choice == "none" or choice.startswith("preset:"):
        d["baseline"] = {"kind": "none"}
    else:
        m, y = choice.split(":")
        d["baseline"] = {"kind": "actual", "measure": m, "year": int(y)}
    return d


def resolve(s: str | None = None, p: str | None = None, b: str | None = None) -> State:
    """The state of the page from its URL: `s` a scenario token (permalink), `p` a preset id, `b` a baseline."""
    if s:
        try:
            sc = files.from_token(s)
        except files.ImportError_ as e:
            raise Problem("s", str(e)) from None
        except ValidationError as e:
            err = errors(e)[0]
            raise Problem("s", f"{err['field']}: {err['message']}") from None
        pid = sc.preset if sc.preset in presets.presets() else None
    else:
        pid = p or DEFAULT_PRESET
        if pid not in presets.presets():
            raise Problem("p", t("sim.err.preset", "en", valid=", ".join(presets.presets())))
        sc = presets.scenario(pid)
    choice = b or (sc.baseline.key if sc.baseline.kind == "actual" else "none")
    if choice not in BASELINE_CHOICES and not (choice.startswith("preset:") and choice[7:] in presets.presets()):
        raise Problem("b", f"unknown baseline {choice!r}")
    if choice != sc.baseline.key:
        sc = Scenario.model_validate(_with_baseline(sc.model_dump(mode="json", exclude_none=True), choice))
    return State(sc, pid, choice)


def weights_of(sc: Scenario) -> list[float]:
    return [c.share for c in sc.components]


def density_rule(sc: Scenario) -> float | None:
    for r in sc.eligibility:
        if r.source.variable == "density" and r.op in ("<", "<="):
            return r.value
    return None


def from_controls(base: dict, budget, weights, density, floor, cap, baseline: str, lang: str = "pt") -> Scenario:
    """The scenario the controls describe, on top of `base` (the preset's or the imported scenario's
    components). Weights are relative: they are normalised to shares adding up to 100."""
    try:
        return _from_controls(base, budget, weights, density, floor, cap, baseline, lang)
    except (KeyError, TypeError, AttributeError, IndexError) as e:   # a store that is not ours
        raise Problem("scenario", f"not a scenario ({type(e).__name__})") from None


def _from_controls(base: dict, budget, weights, density, floor, cap, baseline: str, lang: str) -> Scenario:
    d = json.loads(json.dumps(base))
    if budget is not None:
        d["budget"] = float(budget)
    w = [max(float(x or 0), 0.0) for x in (weights or [])]
    if w and len(w) == len(d["components"]):
        total = sum(w)
        if total <= 0:
            raise Problem("components", t("sim.err.weights", lang))
        # shares to 1/10 000 of a percent, the last one takes the rounding so they add up to 100
        shares = [round(x / total * 100, 6) for x in w]
        shares[-1] = round(100 - sum(shares[:-1]), 6)
        for c, s in zip(d["components"], shares):
            c["share"] = max(s, 0.0)
    rules = [r for r in d.get("eligibility", []) if r["source"].get("variable") != "density"]
    if density not in (None, ""):
        rules.append({"source": {"variable": "density"}, "op": "<", "value": float(density)})
    d["eligibility"] = rules
    lim = {}
    if floor not in (None, ""):
        lim["floor_pct"] = float(floor)
    if cap not in (None, ""):
        lim["cap_pct"] = float(cap)
    d["limits"] = lim
    _with_baseline(d, baseline)
    try:
        return Scenario.model_validate(d)
    except ValidationError as e:
        err = errors(e)[0]
        msg = err["message"]
        if err["field"] == "limits" and "need a baseline" in msg:
            msg = t("sim.err.limits_baseline", lang)
        raise Problem(err["field"], msg) from None


def simulate(st: State, lang: str = "pt") -> dict:
    against = presets.scenario(st.baseline[7:]) if st.baseline.startswith("preset:") else None
    try:
        return run.simulate(st.scenario, against)
    except engine.Infeasible as e:
        p = {k: (eur(v, lang, 2) if isinstance(v, float) else v) for k, v in e.params.items()}
        raise Problem(e.field, t(f"sim.infeasible.{e.code}", lang, **p) if e.code else str(e)) from None
    except inputs.UnknownInput as e:
        raise Problem(e.field, str(e)) from None


# -- texts -------------------------------------------------------------------------------------

def eur(x, lang: str, decimals: int = 0) -> str:
    return fmt.value(x, decimals, "€", lang)


def eur_fast(x: float, lang: str, sign: bool = False) -> str:
    """`fmt.value(x, 0, "€", lang)` for the hundreds of numbers of a map's hover texts, without its
    per-call checks (finite floats only; same output: no-break spaces and a true minus in pt)."""
    r = round(x)
    s = f"{abs(r):,.0f}"
    if lang != "en":
        s = s.replace(",", fmt.NBSP)
    if r < 0:
        s = (fmt.MINUS if lang != "en" else "-") + s
    elif sign and r > 0:
        s = "+" + s
    return s + fmt.NBSP + "€"


def component_label(c: dict, lang: str) -> str:
    return pick(c.get("label"), lang) or c["id"]


def why(row: dict, comps: list[dict], lang: str, sep: str = "; ", labels: list | None = None) -> str:
    """One sentence: "Barrancos recebe 1 234 567 €: 276 000 € das partes iguais; …" (`sep` "<br>" in a
    map's hover text, one part a line)."""
    if not row["eligible"]:
        return t("sim.why.ineligible", lang, name=row["name"])
    part = t("sim.why.part", lang)
    labels = labels or [(c["id"], component_label(c, lang)) for c in comps]
    parts = [part.format(amount=eur_fast(row[f"c_{cid}"], lang), label=lab)
             for cid, lab in labels if abs(row[f"c_{cid}"]) >= 0.005]
    if abs(row["adjustment"]) >= 0.005:
        parts.append(t("sim.why.limits", lang, amount=eur_fast(row["adjustment"], lang)))
    return t("sim.why", lang, name=row["name"], amount=eur_fast(row["amount"], lang), parts=sep.join(parts) or "—")



def why_for(res: dict, dico: str | None, lang: str) -> str:
    """The one-sentence why of one municipality ("" for an unknown one)."""
    rows = res["rows"]
    hit = rows[rows["dico"] == dico] if isinstance(dico, str) else rows.iloc[0:0]
    if not len(hit):
        return ""
    return why(hit.iloc[0].to_dict(), res["summary"]["components"], lang)


def default_pick(res: dict) -> str:
    """The municipality whose why the page opens on: the biggest winner (or the largest amount)."""
    rows = res["rows"]
    col = "change" if res["summary"]["winners"] is not None else "amount"
    return str(rows.sort_values(col, ascending=False)["dico"].iloc[0])


def municipality_options() -> list[dict]:
    m = inputs.municipalities()
    return [{"label": n, "value": d, "search": n} for d, n in zip(m.index, m["name_unique"])]


def totals_text(s: dict, lang: str) -> str:
    key = "sim.totals.ok" if s["totals_ok"] else "sim.totals.bad"
    return t(key, lang, budget=eur(s["budget"], lang, 2), distributed=eur(s["distributed"], lang, 2))


def summary_text(s: dict, lang: str) -> str:
    g = fmt.number(s["gini_per_capita"], 3, lang)
    out = t("sim.gini", lang, gini=g)
    if s["gini_baseline_per_capita"] is not None:
        out += " " + t("sim.gini.base", lang, gini=fmt.number(s["gini_baseline_per_capita"], 3, lang))
    if s["winners"] is not None:
        out += " " + t("sim.winners", lang, winners=s["winners"], losers=s["losers"])
    if s["eligible"] < 308:
        out += " " + t("sim.eligible", lang, n=s["eligible"])
    if s["limited"]:
        out += " " + t("sim.limited", lang, n=s["limited"])
    return out


def explained_text(s: dict, lang: str) -> str | None:
    e = s.get("explained")
    if not e:
        return None
    return t("sim.explained", lang, baseline=baseline_label(s["baseline"], lang),
             overlap=fmt.value(e["overlap"] * 100, 1, "%", lang), r2=fmt.number(e["r2"], 2, lang))


def baseline_label(key: str, lang: str) -> str:
    if key.startswith("scenario:"):
        return t("sim.baseline.other", lang)
    if key == "none":
        return t("sim.baseline.none", lang)
    m, y = key.split(":")
    return t(f"sim.baseline.{m}", lang, year=y)


# -- map ---------------------------------------------------------------------------------------

def map_frame(rows: pd.DataFrame, has_base: bool) -> pd.DataFrame:
    df = pd.DataFrame({"territory_id": rows["dico"], "name": rows["name"],
                       "value": rows["change_pct"] if has_base else rows["per_capita"], "group": "all"})
    if has_base:  # a municipality that had nothing and now gets something is a winner (no % of zero)
        gain = rows["baseline"].fillna(0).eq(0) & rows["amount"].gt(0)
        df.loc[gain.to_numpy(), "value"] = np.inf
        df.loc[(rows["baseline"].fillna(0).eq(0) & rows["amount"].eq(0)).to_numpy(), "value"] = 0.0
    return df


def map_data(res: dict, lang: str) -> dict:
    rows, s = res["rows"], res["summary"]
    has_base = s["winners"] is not None
    frame = map_frame(rows, has_base)
    comps = s["components"]
    hover = []
    # the "why" is not in the hover text: 308 sentences doubled the map update's time in the browser
    # (bench/bench_simulation.py); a click on the map (or the select below it) shows it instead
    t_amount, t_change = t("sim.hover.amount", lang), t("sim.hover.change", lang)
    for r in rows.to_dict("records"):
        lines = [t_amount.format(amount=eur_fast(r["amount"], lang),
                                 per_capita=fmt.value(r["per_capita"], 2, "€", lang))]
        if has_base:
            lines.append(t_change.format(change=eur_fast(r["change"], lang, sign=True) if r["change"] == r["change"] else "—",
                                         pct=fmt.value(r["change_pct"], 1, "%", lang, na="—")))
        hover.append("<br>".join(lines))
    if has_base:
        v = frame["value"].to_numpy(dtype=float)
        cls = np.where(np.isnan(v), 0, np.searchsorted(np.asarray(CHANGE_EDGES), v, side="right") + 1)
        labels = [t("sim.class.lt", lang, v=fmt.number(abs(CHANGE_EDGES[0]), 0, lang)),
                  t("sim.class.between", lang, a=fmt.number(CHANGE_EDGES[0], 0, lang), b=fmt.number(CHANGE_EDGES[1], 0, lang)),
                  t("sim.class.same", lang, v=fmt.number(CHANGE_EDGES[2], 0, lang)),
                  t("sim.class.between", lang, a=fmt.change(CHANGE_EDGES[2], 0, lang), b=fmt.change(CHANGE_EDGES[3], 0, lang)),
                  t("sim.class.gt", lang, v=fmt.number(CHANGE_EDGES[3], 0, lang))]
        cols = DIVERGING
        title = t("sim.map.title.change", lang, baseline=baseline_label(s["baseline"], lang))
    else:
        cls, edges, _ = F.classify(frame["value"].to_numpy(), "quantis")
        labels = F.class_labels(edges, 0, lang)
        cols = F.palette(len(labels))
        title = t("sim.map.title.per_capita", lang)
    n = len(labels)
    counts = np.bincount(np.asarray(cls, dtype=int), minlength=n + 1)
    md = {"groups": ["all"], "n": n, "by_group": {"all": {
        "ids": frame["territory_id"].tolist(), "z": np.asarray(cls, dtype="int8"),
        "text": np.asarray(frame["name"], dtype=str), "hovertext": np.asarray(hover, dtype=str)}}}
    legend = [(cols[i], labels[i], int(counts[i + 1])) for i in range(n)]
    if counts[0]:
        legend.append((F.NODATA, t("nodata", lang), int(counts[0]), "swatch--nodata"))
    return {"md": md, "legend": legend, "colours": cols, "title": title}


def colorscale(cols: list[str]) -> list[list]:
    allc = [F.NODATA] + cols
    m = len(allc)
    out = []
    for i, c in enumerate(allc):
        out += [[round(i / m, 5), c], [round((i + 1) / m, 5), c]]
    return out


def map_figure(mb: dict, lang: str) -> dict:
    fig = F.map_figure(mb["md"], data.geo_layer("municipio"), lang=lang)
    for tr in fig["data"]:
        if tr.get("type") == "choroplethmap":
            tr["colorscale"] = colorscale(mb["colours"])
    return fig


def map_patch(mb: dict):
    p = F.map_patch(mb["md"])
    p["data"][0]["colorscale"] = colorscale(mb["colours"])
    return p


# -- tables ------------------------------------------------------------------------------------

def changes_table(res: dict, lang: str, k: int = 10):
    """The k biggest winners and losers (or the k largest amounts with no baseline), with why."""
    rows, s = res["rows"], res["summary"]
    has_base = s["winners"] is not None
    if has_base:
        order = rows.sort_values("change", ascending=False)
        pick_rows = pd.concat([order.head(k), order.tail(k).iloc[::-1]]).drop_duplicates("dico")
    else:
        pick_rows = rows.sort_values("amount", ascending=False).head(2 * k)
    comps = s["components"]
    out = []
    for r in pick_rows.to_dict("records"):
        out.append({"name": r["name"], "amount": eur(r["amount"], lang), "pc": fmt.value(r["per_capita"], 2, "€", lang),
                    "chg": fmt.value(r["change"], 0, "€", lang) if has_base else "—",
                    "pct": fmt.value(r["change_pct"], 1, "%", lang) if has_base else "—",
                    "why": why(r, comps, lang)})
    cols = [("name", t("sim.col.name", lang)), ("amount", t("sim.col.amount", lang)), ("pc", t("sim.col.per_capita", lang)),
            ("chg", t("sim.col.change", lang)), ("pct", t("sim.col.change_pct", lang)), ("why", t("sim.col.why", lang))]
    cap = t("sim.table.changes" if has_base else "sim.table.largest", lang, n=k)
    return ui.table(cols, out, cap, numeric={"amount", "pc", "chg", "pct"}, row_header="name", stack=True)


def group_table(res: dict, key: str, lang: str):
    s = res["summary"]
    has_base = s["winners"] is not None
    out = []
    for g in s[key]:
        name = g.get("name") or t(f"sim.size.{g['id']}", lang)
        out.append({"name": name, "n": fmt.number(g["n"], 0, lang), "amount": eur(g["amount"], lang),
                    "pc": fmt.value(g["per_capita"], 2, "€", lang),
                    "chg": fmt.value(g["change"], 0, "€", lang) if has_base and g["change"] is not None else "—"})
    cols = [("name", t("sim.col.nuts3" if key == "nuts3" else "sim.col.size", lang)), ("n", t("sim.col.n", lang)),
            ("amount", t("sim.col.amount", lang)), ("pc", t("sim.col.per_capita", lang)), ("chg", t("sim.col.change", lang))]
    return ui.table(cols, out, t(f"sim.table.{key}", lang), numeric={"n", "amount", "pc", "chg"}, row_header="name",
                    scroll=key == "nuts3")


def limits_block(st: State, res: dict, lang: str) -> list:
    """Honest limits: which inputs are real and which are missing, the preset's notes, how far it
    reproduces the baseline, and that this is not the official calculation."""
    items = [html.Li(t("sim.limits.official", lang))]
    if st.preset:
        p = presets.presets()[st.preset]
        items += [html.Li(pick(n, lang)) for n in p["notes"]]
    lin = res["summary"]["lineage"]
    real = []
    for key, v in lin.items():
        if key == "baseline":
            continue
        src = v.get("indicator") or v.get("column")
        real.append(f"{key}: {src}" + (f" ({v['period']})" if v.get("period") else ""))
    items.append(html.Li(t("sim.limits.inputs", lang, inputs="; ".join(real))))
    miss = {k: n for k, n in res["summary"]["missing"].items() if n}
    if miss:
        items.append(html.Li(t("sim.limits.missing", lang, parts=", ".join(f"{k}: {n}" for k, n in miss.items()))))
    ex = explained_text(res["summary"], lang)
    if ex:
        items.append(html.Li(ex))
    return items


def citation(st: State, lang: str):
    if not st.preset:
        return html.P(t("sim.imported", lang), className="small")
    p = presets.presets()[st.preset]
    link = html.A(p["law_version"], href=p["url"], rel="noopener") if p.get("url") else p["law_version"]
    return html.Div([html.P(pick(p["citation"], lang), className="small mb-1"),
                     html.P([t("sim.law_version", lang), " ", link], className="small")])
