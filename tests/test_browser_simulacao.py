"""/simulacao in a real browser (issue 12): a decision-maker raises the population weight and sees the
winners and losers change, shares the permalink (it reopens the same scenario), exports the results as
CSV (308 rows adding up to the budget to the cent); the page fits 375 px after each step and has no
serious axe-core violations on desktop and phone."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
import pytest
from selenium.webdriver.common.keys import Keys

from tests import see
from tests.axe import format_violations, run_axe, serious

pytestmark = pytest.mark.browser

WEIGHTS = "input[type=range].form-range"


@pytest.fixture(scope="module")
def desktop():
    d = see.desktop()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def phone():
    d = see.phone()
    yield d
    d.quit()


def _no_axe(d, where):
    v = serious(run_axe(d))
    assert not v, format_violations(v, where)


def _raise_population(d, steps=15):
    el = d.find_elements("css selector", WEIGHTS)[1]          # the population component (FGM preset)
    before = int(el.get_attribute("value"))
    d.execute_script("arguments[0].focus()", el)      # a click would move the thumb to where it lands
    for _ in range(steps):
        el.send_keys(Keys.ARROW_RIGHT)
    see.until(lambda: int(el.get_attribute("value")) >= before + 1, 5, "the slider to move")
    see.settle(d)
    return int(el.get_attribute("value"))


def test_decision_maker_journey(desktop, live_url, tmp_path):
    d = desktop
    see.open(d, f"{live_url}/simulacao")
    see.visible(d, "#sim-map", min_height=200)
    see.painted(d, "#sim-map")
    see.text(d, "#sim-totals", "igual ao cêntimo")
    before = see.visible(d, "#sim-summary").text
    legend_before = d.find_element("css selector", "#sim-legend").text
    assert "Ganham" in before and "perdem" in before
    _no_axe(d, "/simulacao")

    value = _raise_population(d)
    see.until(lambda: d.find_element("css selector", "#sim-summary").text != before, 10, "winners/losers to change")
    assert d.find_element("css selector", "#sim-legend").text != legend_before
    see.text(d, "#sim-totals", "igual ao cêntimo")            # still exactly the budget
    see.text(d, "#sim-changes", "recebe")                     # the one-sentence why
    assert "s=" in d.current_url                              # the address bar is the permalink
    link = d.find_element("css selector", "#sim-permalink").get_attribute("href")
    assert "s=" in link
    after = d.find_element("css selector", "#sim-summary").text
    shares = d.find_element("css selector", "#sim-shares").text

    # the permalink reopens the same scenario (the weights come back as the shares they made)
    see.open(d, link)
    see.visible(d, "#sim-map", min_height=200)
    assert d.find_element("css selector", "#sim-summary").text == after
    assert d.find_element("css selector", "#sim-shares").text == shares
    assert int(d.find_elements("css selector", WEIGHTS)[1].get_attribute("value")) < value

    # CSV export: the scenario and the build in its header; 308 rows adding up to the budget
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    btn = d.find_element("css selector", "#sim-export-csv")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", btn)
    time.sleep(0.3)
    btn.click()
    f = tmp_path / "simulacao.csv"
    see.until(lambda: f.exists() and f.stat().st_size > 1000, 20, "the CSV download")
    time.sleep(0.3)
    text = f.read_text(encoding="utf-8")
    assert text.startswith("# observatorio simulation; scenario: {") and "# build: run_id=" in text
    df = pd.read_csv(io.StringIO(text), comment="#", dtype={"dico": str})
    assert len(df) == 308 and round(df["amount"].sum() * 100) == 170109121600


def test_phone_fits_after_each_step(phone, live_url):
    d = phone
    see.open(d, f"{live_url}/simulacao")
    see.visible(d, "#sim-map", min_height=150)
    see.fits(d)
    _no_axe(d, "/simulacao (375 px)")
    _raise_population(d, steps=5)
    see.fits(d)
    see.open(d, f"{live_url}/simulacao?p=pgu_low_density&lang=en")
    see.text(d, "main h1", "Simulation")
    see.fits(d)
    _no_axe(d, "/simulacao?p=pgu_low_density&lang=en (375 px)")
