"""The simulation's inputs are the data system's (SOURCES.md §3.14–3.15, reference/municipios.csv),
read back from the raw files; the FGM preset (Lei 73/2013 art. 32.º) run on them distributes exactly
the 2014 FEF and reports how much of its actual distribution it reproduces."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from serving.simulation import presets, run


@pytest.fixture(scope="module")
def raw(data_system):
    rd = lambda p: pd.read_csv(data_system / p, dtype={"dico": str}).set_index("dico")  # noqa: E731
    return {"ref": rd("reference/municipios.csv"),
            "dorm": rd("indicators/ine_dormidas_alojamento_turistico_2019.csv"),
            "dgo": rd("indicators/dgo_transferencias_municipios_2014.csv")}


@pytest.fixture(scope="module")
def fgm(built):
    return run.simulate(presets.scenario("fgm_art32"))


def test_preset_inputs_are_the_data_systems(built, raw):
    from serving.simulation import inputs
    sc = presets.scenario("fgm_art32")
    frame, base, lineage = inputs.for_scenario(sc)
    assert len(frame) == 308 and frame.index.str.fullmatch(r"\d{4}").all()
    ref, dorm, dgo = raw["ref"], raw["dorm"], raw["dgo"]
    pd.testing.assert_series_equal(frame["population"], ref["pop_2021_censos"].reindex(frame.index).astype(float),
                                   check_names=False)
    pd.testing.assert_series_equal(frame["area"], ref["area_km2"].reindex(frame.index).astype(float), check_names=False)
    daily = dorm["dormidas_total_n"].reindex(frame.index) / 365
    np.testing.assert_allclose(frame["overnight_stays_daily"].fillna(-1), daily.fillna(-1))
    assert frame["overnight_stays_daily"].isna().sum() == 10          # suppressed: a gap, never zero
    np.testing.assert_allclose(base.to_numpy(), dgo["fef_total_eur"].reindex(frame.index).to_numpy())
    assert lineage["population"] == {"indicator": "populacao_residente_censos", "period": "2021"}
    assert lineage["baseline"]["indicator"] == "transferencias_fef_2014"
    # the islands multiplier applies to Açores and Madeira, 30 municipalities
    assert int(frame["autonomous"].sum()) == 30


def test_fgm_preset_distributes_exactly_the_2014_fef(fgm, raw):
    s = fgm["summary"]
    assert s["budget_cents"] == int(raw["dgo"]["fef_total_eur"].sum()) * 100 == s["distributed_cents"]
    assert s["totals_ok"]
    # the share of the actual distribution it reproduces is reported, and is a real share
    assert 0.5 < s["explained"]["overlap"] < 1
    rows = fgm["rows"].set_index("dico")
    comp = rows[[c for c in rows.columns if c.startswith("c_")]].sum(axis=1) + rows["adjustment"]
    np.testing.assert_allclose(comp, rows["amount"], atol=0.005)


def test_art35_presets_keep_every_change_within_the_limits(built):
    for pid, floor in (("art35_2013", -2.5), ("art35_2020", -1.25)):
        r = run.simulate(presets.scenario(pid))
        rows = r["rows"]
        pos = rows["baseline"] > 0
        assert (rows.loc[pos, "change_pct"] >= floor - 1e-4).all()
        assert (rows.loc[pos, "change_pct"] <= 5 + 1e-4).all()
        assert r["summary"]["totals_ok"]


def test_every_preset_cites_an_article_or_says_why_not():
    for pid, p in presets.presets().items():
        assert p["citation"]["pt"] and p["citation"]["en"] and p["notes"], pid
        if pid != "pgu_low_density":
            assert "art." in p["law_version"] and p["url"].startswith("http"), pid
