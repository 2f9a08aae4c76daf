"""The simulation API: POST /api/v1/simulate and GET /api/v1/simulate/presets — results, CSV with the
scenario and the build in its header, 400s naming the field, and the OpenAPI entries."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from tests._helpers import api_client


@pytest.fixture(scope="module")
def client(built):
    return api_client()


@pytest.fixture(scope="module")
def fgm(client):
    r = client.get("/api/v1/simulate/presets")
    assert r.status_code == 200
    return {p["id"]: p for p in r.get_json()["data"]}


def test_presets_cite_their_article(fgm):
    assert set(fgm) >= {"fgm_art32", "art35_2013", "art35_2020", "pgu_low_density"}
    assert "art. 32.º" in fgm["fgm_art32"]["citation"]["pt"] and "Lei n.º 51/2018" in fgm["fgm_art32"]["citation"]["pt"]


def test_simulate_preset_to_the_cent(client, fgm):
    r = client.post("/api/v1/simulate", json={"scenario": fgm["fgm_art32"]["scenario"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    d = r.get_json()["data"]
    s = d["summary"]
    assert s["totals_ok"] and s["distributed_cents"] == s["budget_cents"] == 170109121600
    assert len(d["rows"]) == 308
    barr = next(x for x in d["rows"] if x["name"] == "Barrancos")
    assert barr["amount"] > 0 and barr["c_equal"] == pytest.approx(0.05 * 1701091216 / 308, abs=0.01)
    assert r.headers["Cache-Control"] == "no-store"


def test_simulate_csv_carries_scenario_and_build(client, fgm):
    r = client.post("/api/v1/simulate", json={"scenario": fgm["pgu_low_density"]["scenario"], "format": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert text.startswith("# observatorio simulation; scenario: {") and "# build: run_id=" in text
    df = pd.read_csv(io.StringIO(text), comment="#", dtype={"dico": str})
    assert len(df) == 308 and round(df["amount"].sum() * 100) == 100_000_000 * 100
    from serving.simulation import files
    assert files.parse(text).budget == 100_000_000   # imports back


@pytest.mark.parametrize("body,param", [
    ({"scenario": {"budget": 10, "components": [{"id": "a", "share": 90}]}}, "scenario.components"),
    ({"scenario": {"budget": -5, "components": [{"id": "a", "share": 100}]}}, "scenario.budget"),
    ({"scenario": {"budget": 10, "components": [{"id": "a", "share": 100,
                                                 "driver": {"kind": "proportional", "source": {"indicator": "nope"}}}]}},
     "scenario.source.indicator"),
    ({"scenario": {"budget": 10, "components": [{"id": "a", "share": 100}],
                   "limits": {"floor_pct": 50}, "baseline": {"measure": "fef", "year": 2014}}}, "scenario.limits"),
    ({"scenario": {"budget": 10, "components": [{"id": "a", "share": 100}]}, "extra": 1}, "extra"),
    ([1, 2], "body"),
])
def test_bad_scenario_is_400_naming_the_field(client, body, param):
    r = client.post("/api/v1/simulate", json=body)
    assert r.status_code == 400, r.get_data(as_text=True)
    err = r.get_json()["error"]
    assert err["parameter"] == param and err["message"]


def test_not_json_and_unknown_query(client):
    assert client.post("/api/v1/simulate", data="x", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/simulate", data="{", content_type="application/json").status_code == 400
    r = client.get("/api/v1/simulate/presets?x=1")
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "x"


def test_openapi_documents_the_simulation(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "post" in doc["paths"]["/api/v1/simulate"] and "get" in doc["paths"]["/api/v1/simulate/presets"]
    assert "SimulateRequest" in doc["components"]["schemas"] and "Scenario" in doc["components"]["schemas"]


def test_compare_with_another_scenario(client, fgm):
    r = client.post("/api/v1/simulate", json={"scenario": fgm["fgm_art32"]["scenario"],
                                              "compare": fgm["art35_2013"]["scenario"]})
    assert r.status_code == 200
    s = r.get_json()["data"]["summary"]
    assert s["baseline"] == "scenario:art35_2013" and s["winners"] + s["losers"] <= 308
    assert s["explained"]["overlap"] < 1
