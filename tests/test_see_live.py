"""What a person sees of the live path (issue 13): a replayed stream of synthetic NGSI-LD notifications,
posted over HTTP to the running app, makes an alarm appear in the open alarm centre without a reload
(375 px, zero axe violations), labelled synthetic; the municipality's page shows it too."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests

from tests import see
from tests.axe import format_violations, run_axe, serious

pytestmark = pytest.mark.browser


@pytest.fixture
def live_store(tmp_path, monkeypatch, built):
    from live import store
    monkeypatch.setenv("OBS_OPERATIONAL_URL", f"sqlite:///{tmp_path / 'op.sqlite'}")
    yield
    store.dispose()


def _replay(url: str) -> int:
    """The replay tool's stream (live.replay) for the Porto metropolitan area: 24 h, a 20-hour NO2 spike in Porto."""
    from live import credentials, replay
    key, _ = credentials.create("réplica sintética (teste)", "EI11A", synthetic=True)
    sts = replay.stations({"1312", "1317", "1308"})
    ents = list(replay.stream(sts, datetime(2026, 1, 10, tzinfo=timezone.utc), 24, spikes=replay.parse_spikes(
        ["no2:1312:250:20"])))
    n = 0
    for i in range(0, len(ents), 10):
        r = requests.post(url + "/ngsi-ld/v1/notify", data=json.dumps(replay.notification(ents[i:i + 10], i, "e2e")),
                          headers={"Authorization": f"Bearer {key}", "Content-Type": "application/ld+json"}, timeout=30)
        assert r.status_code == 201, r.text
        n += 1
    return n


def test_replayed_stream_raises_an_alarm_seen_without_reload(phone, live_url, live_store):
    see.open(phone, live_url + "/alarmes")
    see.settle(phone)
    see.text(phone, ".obs-live-note", "Lista atualizada automaticamente com os alarmes em tempo real.")
    assert "dados sintéticos" not in phone.find_element("css selector", "#alarmes-list").text
    phone.execute_script("window.__noReload = 'still here';")
    assert _replay(live_url) > 0
    item = see.until(lambda: next((li for li in phone.find_elements("css selector", "#alarmes-list li.obs-alarm-item")
                                   if "dados sintéticos" in li.text), None), timeout=20,
                     msg="the live alarm in the open alarm centre")
    assert phone.execute_script("return window.__noReload") == "still here"       # no reload happened
    see.settle(phone)
    item = next(li for li in phone.find_elements("css selector", "#alarmes-list li.obs-alarm-item")
                if "dados sintéticos" in li.text)
    assert item.is_displayed() and item.size["height"] > 20
    assert "Porto" in item.text and "Crítico" in item.text
    assert "20 médias horárias acima de 200 µg/m³ em 2026" in item.text
    assert "NO₂: médias horárias (tempo real)" in item.text
    see.fits(phone)
    bad = serious(run_axe(phone))
    assert not bad, format_violations(bad, phone.current_url)

    see.open(phone, live_url + "/municipio/1312")
    see.settle(phone)
    sec = phone.find_element("css selector", "#territorio-alarmes")
    assert "20 médias horárias acima de 200 µg/m³" in sec.text and sec.is_displayed()
    see.fits(phone)
