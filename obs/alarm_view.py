"""How an alarm reads on every page (the alarm centre, municipality and region pages).

One alarm = its level (icon + word, never colour alone), one sentence that does not repeat the level or
the indicator (fact_alarm.sentence_*: the value, its period and the rule), its state (status and since,
or why it is history) and what kind of rule raised it: an official threshold (cited) or the
Observatório's analytic rule — a link with a tooltip that opens on hover and on keyboard focus and leads
to the method on /sobre. Rows come from obs.data.alarms (active first, critical first).
"""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from core import alarm_levels as AL

#: the anchor of the alarm method on /sobre (the rule-kind links point there)
RULE_HELP_ANCHOR = "regras-alarme"

TEXT = {
    "new": ("Novo em {p}", "New in {p}"),
    "ongoing": ("Em curso desde {s}", "Ongoing since {s}"),
    "reopened": ("Reaberto em {p}", "Reopened in {p}"),
    "resolved": ("Resolvido em {s}", "Resolved in {s}"),
    "history": ("{state} · último valor avaliado: {p}", "{state} · last evaluated value: {p}"),
    "open": ("Ver histórico", "See history"),
    "open_sr": (": {ind} — {ter}", ": {ind} — {ter}"),
    "more": ("Saber mais", "Learn more"),
}


def tx(key: str, lang: str, **kw) -> str:
    pt, en = TEXT[key]
    s = en if lang == "en" else pt
    return s.format(**kw) if kw else s


def _get(a: dict, key: str):
    v = a.get(key)
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else v


def _lang_col(a: dict, base: str, lang: str):
    return _get(a, f"{base}_{'en' if lang == 'en' else 'pt'}")


def is_active(a: dict) -> bool:
    """core.alarm_levels.is_active on a row (the data layer's `is_active` when it has it)."""
    v = _get(a, "is_active")
    if v is not None:
        return bool(v)
    cur = _get(a, "is_current")
    return AL.is_active(a.get("status", "resolved"), True if cur is None else bool(cur))


def state_text(a: dict, lang: str) -> str:
    """"Em curso desde 2019", "Novo em 2024", "Resolvido em 2023" — or, for an alarm of a series that is
    no longer current, why it is history ("Série terminada · último valor avaliado: 3 mar 2022")."""
    status = a.get("status") or ""
    period = _lang_col(a, "period_label", lang) or _get(a, "period_id") or "—"
    since = _lang_col(a, "since_label", lang) or _get(a, "since_period_id") or period
    if status != "resolved" and not is_active(a):
        state = AL.SERIES_STATES.get(_get(a, "series_state") or "", AL.SERIES_STATES["discontinued"])
        if state.current:           # not current after all (a row written without its state)
            state = AL.SERIES_STATES["discontinued"]
        return tx("history", lang, state=state.label(lang), p=period)
    if status in ("new", "ongoing", "reopened", "resolved"):
        return tx(status, lang, p=period, s=since)
    return status


def sentence(a: dict, lang: str) -> str:
    """The one sentence shown beside the level and the indicator (the self-contained explanation when
    the build has no short sentence)."""
    return _lang_col(a, "sentence", lang) or _lang_col(a, "explanation", lang) or ""


def rule_kind(a: dict, lang: str, base_href: str = "/sobre") -> html.A:
    """"Regra analítica" or "Limiar oficial", as a link to the method with a tooltip (hover and keyboard
    focus) that says what it means: the Observatório's rule, not a legal threshold; or the law cited."""
    official = bool(_get(a, "official"))
    pt, en = AL.RULE_KINDS[official]
    npt, nen = AL.RULE_KIND_NOTES[official]
    note = nen if lang == "en" else npt
    citation = _get(a, "citation")
    if official and citation:
        note = f"{note} {citation.rstrip('.')}."
    href = base_href + ("?lang=en" if lang == "en" else "") + f"#{RULE_HELP_ANCHOR}"
    return html.A([html.Span(en if lang == "en" else pt, className="obs-rule-kind-label"),
                   html.Span([html.Span(": ", className="visually-hidden"), note], className="obs-tip",
                             role="tooltip")],
                  href=href, className=f"obs-rule-kind obs-rule-{'official' if official else 'analytic'}")


def alarm_item(a: dict, lang: str, *, detail_href: str | None, territory_href: str | None = None,
               indicator_href: str | None = None, show_territory: bool = True,
               show_indicator: bool = True, extra=None) -> html.Li:
    """One alarm as a list item: level badge, territory · indicator (links), the sentence, then its state,
    the rule kind and the link to its history."""
    from obs import territory_view as tv
    ind_title = _lang_col(a, "title", lang) or a.get("indicator_id", "")
    ter = a.get("name_unique") or a.get("territory_id", "")
    head = []
    if show_territory:
        head.append(dcc.Link(ter, href=territory_href) if territory_href else html.Span(ter))
    if show_indicator:
        if head:
            head.append(html.Span(" · ", **{"aria-hidden": "true"}))
        head.append(dcc.Link(ind_title, href=indicator_href) if indicator_href else html.Span(ind_title))
    meta = [html.Span(state_text(a, lang), className="obs-alarm-state"), html.Span(" · ", **{"aria-hidden": "true"}),
            rule_kind(a, lang)]
    if detail_href:
        meta += [html.Span(" · ", **{"aria-hidden": "true"}),
                 dcc.Link([tx("open", lang), html.Span(tx("open_sr", lang, ind=ind_title, ter=ter),
                                                       className="visually-hidden")],
                          href=detail_href, className="obs-alarm-open")]
    return html.Li([
        html.Div([tv.level_badge(a.get("level", ""), lang), " ", html.Strong(head, className="obs-alarm-what")]
                 if head else [tv.level_badge(a.get("level", ""), lang)], className="obs-alarm-head"),
        html.P(sentence(a, lang), className="obs-alarm-sentence"),
        *([extra] if extra is not None else []),
        html.P(meta, className="obs-alarm-meta"),
    ], className=f"obs-alarm-item obs-alarm-item-{a.get('level', '')}"
                 + ("" if is_active(a) else " obs-alarm-inactive"))
