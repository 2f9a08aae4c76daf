"""Excess deaths as a person sees them (issue 13, weekly mortality surveillance): the region pages of the
country and of a NUTS III region, and the weekly deaths indicator page, on a 375 px phone.

The chart is displayed with a size and painted, its text summary names the last evaluated week and the
provisional week that is not evaluated, the table alternative opens and scrolls inside its own region,
nothing sticks out of the screen, and axe-core finds no violation in the section.
"""
from __future__ import annotations

import pytest

from tests import see
from tests.axe import format_violations, run_axe


def _open_table(d):
    """Open the table alternative as a person does: scroll its summary into view, click it."""
    el = d.find_element("css selector", ".obs-surveillance details summary")
    d.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", el)
    el.click()


def _open_section(d, url):
    see.open(d, url)
    sec = see.visible(d, "#excesso-obitos")
    d.execute_script("arguments[0].scrollIntoView({block: 'start', behavior: 'instant'});", sec)
    return sec


@pytest.mark.parametrize("path, heading, summary", [
    ("/regiao/PT", "Excesso de óbitos semanais — Portugal", "Na última semana avaliada (semana 8, 2024), Portugal"),
    ("/regiao/PT11A?lang=en", "Excess weekly deaths — ", "In the last evaluated week (week 8, 2024)"),
])
def test_region_page_shows_the_excess_deaths_chart_on_a_phone(phone, live_url, path, heading, summary):
    _open_section(phone, live_url + path)
    see.text(phone, "#excesso-obitos", heading)
    see.visible(phone, "#surv-graph", min_width=300, min_height=300)
    see.painted(phone, "#surv-graph")
    see.text(phone, "#surv-summary", summary)
    see.text(phone, "#surv-summary", "2024")          # the provisional week is named, as not evaluated
    assert ("não é avaliada" in phone.find_element("css selector", "#surv-summary").text
            or "not evaluated" in phone.find_element("css selector", "#surv-summary").text)
    # the legend says what the marks mean (never colour alone)
    see.text(phone, "#surv-graph", "Alarm" if "lang=en" in path else "Alarme")
    see.fits(phone)
    # the table alternative
    _open_table(phone)
    see.visible(phone, "#surv-table", min_height=100)
    see.text(phone, "#surv-table", "2021")
    see.fits(phone)
    see.shot(phone, "surveillance-" + path.strip("/").replace("/", "-").replace("?", "-"))


def test_the_section_has_no_axe_violation(phone, live_url):
    _open_section(phone, live_url + "/regiao/PT")
    _open_table(phone)
    bad = [v for v in run_axe(phone)
           if any(".obs-surveillance" in " ".join(map(str, n.get("target", []))) or "surv-" in n.get("html", "")
                  for n in v.get("nodes", []))]
    serious = [v for v in run_axe(phone) if v.get("impact") in ("serious", "critical")]
    assert not bad, format_violations(bad, "/regiao/PT (excess deaths section)")
    assert not serious, format_violations(serious, "/regiao/PT")


def test_indicator_page_of_weekly_deaths_shows_the_country(phone, live_url):
    _open_section(phone, live_url + "/indicador/obitos_semanais")
    see.text(phone, "#excesso-obitos", "Portugal")
    see.visible(phone, "#surv-graph", min_height=300)
    see.fits(phone)


def test_regions_without_surveillance_show_none(phone, live_url):
    see.open(phone, live_url + "/regiao/DI01")
    assert not phone.find_elements("css selector", "#excesso-obitos")
