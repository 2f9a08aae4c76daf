"""The Atom feed of live alarm events (RFC 4287): /feeds/alarmes.atom?territorio=…&area=…&nivel=…&lang=en.

Public and cacheable: `Cache-Control: public, max-age=60`, an ETag from the last event id and the query,
and `If-None-Match` answered 304. Each entry is one event (an alarm appearing, changing level, resolving
or reopening), titled with its level word and territory, its one sentence as the summary; synthetic events
(replays, demos) say so in the title.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from core import vocabulary as AL
from core import settings
from core.i18n import t
from live import store

ATOM = "http://www.w3.org/2005/Atom"


def render(events: list[dict], names: dict[str, str], *, lang: str, self_url: str, title: str) -> bytes:
    ET.register_namespace("", ATOM)
    base = settings.env("OBS_BASE_URL").rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "en" if lang == "en" else "pt-PT"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}/feeds/alarmes.atom"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    updated = store.aware(events[0]["at"]) if events else store.now()
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/alarmes" + ("?lang=en" if lang == "en" else ""))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Observatório"
    en = lang == "en"
    for ev in events:
        e = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(e, f"{{{ATOM}}}id").text = f"{base}/feeds/alarmes/{ev['id']}"
        lv = AL.ALARM_LEVELS[ev["level"]].label(lang)
        word = t(f"live.feed.status.{ev['status']}", lang)
        synth = f" [{t('live.synthetic', lang)}]" if ev["synthetic"] else ""
        ET.SubElement(e, f"{{{ATOM}}}title").text = f"{lv} · {names.get(ev['territory_id'], ev['territory_id'])} · {word}{synth}"
        ET.SubElement(e, f"{{{ATOM}}}updated").text = store.aware(ev["at"]).isoformat()
        ET.SubElement(e, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/municipio/{ev['territory_id']}"
                      + ("?lang=en" if en else ""))
        ET.SubElement(e, f"{{{ATOM}}}category", term=ev["level"], label=lv)
        ET.SubElement(e, f"{{{ATOM}}}category", term=ev["area"])
        ET.SubElement(e, f"{{{ATOM}}}summary").text = ev["sentence_en" if en else "sentence_pt"]
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")).encode("utf-8")
