"""How an alarm reads on every page (the alarm centre, municipality and region pages).

One alarm = its level (icon + word, never colour alone), one sentence that does not repeat the level or
the indicator (fact_alarm.sentence_*: the value, its period and the rule), its state (status and since,
or why it is history) and what kind of rule raised it: an official threshold (cited) or the
Observatório's analytic rule — a link with a tooltip that opens on hover and on keyboard focus and leads
to the method on /sobre. Rows come from serving.data.alarms (active first, critical first).
"""
from __future__ import annotations

from urllib.parse import quote

import pandas as pd
from dash import dcc, html

from core import alarm_rules
from core import vocabulary as AL
from core.i18n import t

#: the anchor of the alarm method on /sobre (the rule-kind links point there)
RULE_HELP_ANCHOR = "regras-alarme"

def _get(a: dict, key: str):
    v = a.get(key)
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else v


def _lang_col(a: dict, base: str, lang: str):
    return _get(a, f"{base}_{'en' if lang == 'en' else 'pt'}")


def is_active(a: dict) -> bool:
    """core.alarm_rules.is_active on a row (the data layer's `is_active` when it has it)."""
    v = _get(a, "is_active")
    if v is not None:
        return bool(v)
    cur = _get(a, "is_current")
    return alarm_rules.is_active(a.get("status", "resolved"), True if cur is None else bool(cur))


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
        return t("alarms.item.history", lang, state=state.label(lang), p=period)
    if status in ("new", "ongoing", "reopened", "resolved"):
        return t(f"alarms.item.{status}", lang, p=period, s=since)
    return status


def sentence(a: dict, lang: str) -> str:
    """The one sentence shown beside the level and the indicator (the self-contained explanation when
    the build has no short sentence)."""
    return _lang_col(a, "sentence", lang) or _lang_col(a, "explanation", lang) or ""


def rule_kind(a: dict, lang: str, base_href: str = "/sobre") -> html.A:
    """"Regra analítica" or "Limiar oficial", as a link to the method with a tooltip (hover and keyboard
    focus) that says what it means: the Observatório's rule, not a legal threshold; or the law cited."""
    official = bool(_get(a, "official"))
    pt, en = AL.RULE_KINDS[official].label("pt"), AL.RULE_KINDS[official].label("en")
    npt, nen = AL.RULE_KINDS[official].note("pt"), AL.RULE_KINDS[official].note("en")
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
                 dcc.Link([t("alarms.item.open", lang), html.Span(t("alarms.item.open_sr", lang, ind=ind_title, ter=ter),
                                                       className="visually-hidden")],
                          href=detail_href, className="obs-alarm-open")]
    return html.Li([
        html.Div([level_badge(a.get("level", ""), lang), " ", html.Strong(head, className="obs-alarm-what")]
                 if head else [level_badge(a.get("level", ""), lang)], className="obs-alarm-head"),
        html.P(sentence(a, lang), className="obs-alarm-sentence"),
        *([extra] if extra is not None else []),
        html.P(meta, className="obs-alarm-meta"),
    ], className=f"obs-alarm-item obs-alarm-item-{a.get('level', '')}"
                 + ("" if is_active(a) else " obs-alarm-inactive"))


# -- levels and statuses: labels, icons, badges (core.vocabulary) -----------------------------

def alarm_levels() -> dict[str, dict]:
    """Alarm levels, most severe first: id -> {pt, en, symbol, colour, background} (core.vocabulary)."""
    return {k: {"pt": AL.ALARM_LEVELS[k].label("pt"), "en": AL.ALARM_LEVELS[k].label("en"),
                "symbol": AL.ALARM_LEVELS[k].symbol, "colour": AL.ALARM_LEVELS[k].colour,
                "background": AL.ALARM_LEVELS[k].background} for k in AL.LEVEL_ORDER}


def alarm_statuses() -> dict[str, dict]:
    return {k: {"pt": s.label("pt"), "en": s.label("en"), "symbol": s.symbol, "active": s.active}
            for k, s in AL.STATUSES.items()}


_ICON_SHAPES = {   # 16x16 SVG shapes: the level's colour, a white mark (shape + label: never colour alone)
    "critico": ('<polygon points="5,1 11,1 15,5 15,11 11,15 5,15 1,11 1,5" fill="{c}"/>'
                '<path d="M5.5 5.5l5 5M10.5 5.5l-5 5" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>'),
    "atencao": ('<polygon points="8,1 15.5,14.5 0.5,14.5" fill="{c}"/>'
                '<rect x="7.1" y="5.5" width="1.8" height="5" fill="#fff"/><rect x="7.1" y="11.6" width="1.8" '
                'height="1.8" fill="#fff"/>'),
    "informacao": ('<circle cx="8" cy="8" r="7.5" fill="{c}"/><rect x="7.1" y="7" width="1.8" height="5.5" '
                   'fill="#fff"/><rect x="7.1" y="3.6" width="1.8" height="1.8" fill="#fff"/>'),
}


def level_icon(level: str) -> html.Img | None:
    """A small inline SVG icon for an alarm level (decorative: the label says the same)."""
    lv = alarm_levels().get(level)
    shape = _ICON_SHAPES.get(level)
    if lv is None or shape is None:
        return None
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">'
           + shape.format(c=lv["colour"]) + "</svg>")
    return html.Img(src="data:image/svg+xml;charset=utf-8," + quote(svg), alt="", width=14, height=14,
                    className="obs-level-icon")


def level_badge(level: str, lang: str) -> html.Span:
    """Alarm level: icon + label (never colour alone), in the level's colour on its tint."""
    lv = alarm_levels().get(level)
    if lv is None:
        return html.Span(level or "—", className="obs-alarm-level")
    return html.Span([level_icon(level), " ", lv["en" if lang == "en" else "pt"]],
                     className=f"obs-alarm-level obs-alarm-{level}",
                     style={"color": lv["colour"], "backgroundColor": lv["background"], "borderColor": lv["colour"]})


def status_label(status: str, lang: str) -> str:
    st = alarm_statuses().get(status, {})
    return st.get("en" if lang == "en" else "pt", status)

