"""Map classes and colours as plain functions (issue 8 items 11 and 12): the no-data tone under
colour-blindness simulation, threshold classes with their meaning, the island insets' geometry and the
Portuguese order of the indicator list."""
from __future__ import annotations

import json

import numpy as np
import pytest

from web import figures as F
from tests import see
from tests._helpers import geo_bbox

NO2 = {"thresholds": [
    {"rule": "absolute", "level": "critico", "op": ">", "value": 40, "official": True, "citation": "Diretiva 2008/50/CE",
     "label": {"pt": "acima do valor-limite legal", "en": "above the legal limit value"}},
    {"rule": "absolute", "level": "atencao", "op": ">", "value": 20, "official": True, "citation": "Diretiva (UE) 2024/2881",
     "label": {"pt": "acima do valor-limite da UE para 2030", "en": "above the EU 2030 limit value"}},
    {"rule": "absolute", "level": "informacao", "op": ">", "value": 10, "official": True, "citation": "OMS (2021)"},
    {"rule": "trend", "level": "informacao", "periods": 3},
]}


# -- no data ------------------------------------------------------------------------------------

def _rgb(h: str) -> np.ndarray:
    return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) / 255


#: what "clearly distinct" means here: the no-data tone differs from every class colour by at least
#: 12 ΔE (CAM02-UCS; adjacent classes of the palette differ by 8.7 at least) and by at least 10 in
#: lightness L*, with normal vision and under full deuteranopia, protanopia and tritanopia (Machado
#: 2009, as colorspacious simulates them). The hatching comes on top of that on the map.
MIN_DELTA_E = 12
MIN_DELTA_L = 10


@pytest.mark.parametrize("cvd", [None, "deuteranomaly", "protanomaly", "tritanomaly"])
def test_no_data_tone_stands_apart_from_every_class(cvd):
    from colorspacious import cspace_convert, deltaE

    def seen(h):
        c = _rgb(h)
        if cvd is None:
            return c
        return np.clip(cspace_convert(c, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1"), 0, 1)
    nodata = seen(F.NODATA)
    for colour in F.PALETTE:
        c = seen(colour)
        de = deltaE(nodata, c, input_space="sRGB1", uniform_space="CAM02-UCS")
        dl = abs(cspace_convert(nodata, "sRGB1", "CIELab")[0] - cspace_convert(c, "sRGB1", "CIELab")[0])
        assert de >= MIN_DELTA_E and dl >= MIN_DELTA_L, (
            f"no data {F.NODATA} vs class {colour} ({cvd or 'normal vision'}): ΔE {de:.1f}, ΔL* {dl:.1f}")


def test_no_data_hatching_is_visible_on_its_tone():
    assert see.contrast(tuple(_rgb(F.NODATA_HATCH) * 255), tuple(_rgb(F.NODATA) * 255)) >= 4


def test_no_data_is_marked_alike_in_legend_hover_and_table():
    import pandas as pd
    frame = pd.DataFrame({"territory_id": ["a", "b", "c"], "name": ["A", "B", "C"], "value": [1.0, None, 3.0]})
    md = F.map_data(frame, method="quantis", meta={}, decimals=1, unit="", lang="pt")
    colour, label, count, cls = md["legend"][-1]
    assert (colour, label, count, cls) == (F.NODATA, "Sem dados", 1, "swatch--nodata")
    assert list(md["by_group"]["all"]["hovertext"])[1] == "Sem dados"
    assert md["class_text"]["b"] == "Sem dados" and md["class_colour"]["b"] == F.NODATA
    fig = F.map_figure(md, None, lang="pt")
    assert fig["layout"]["meta"]["nodata_hatch"] == F.NODATA_HATCH      # assets/map-hatch.js reads it


# -- threshold classes ---------------------------------------------------------------------------

def test_official_thresholds_are_the_default_classes():
    assert F.default_classification(NO2) == "limiares"
    assert F.default_classification({"thresholds": [{"rule": "absolute", "op": ">", "value": 3}]}) == "quantis"
    assert F.default_classification({}) == "quantis"


def test_threshold_classes_follow_the_rule_at_the_threshold():
    vals = [5, 10, 10.01, 20, 40, 40.5, None]
    cls, edges, note = F.classify(vals, "limiares", NO2)
    assert note is None and edges[1:-1] == [10, 20, 40]
    assert list(cls) == [1, 1, 2, 2, 3, 4, 0]          # "> 40": exactly 40 is not above the limit
    ge = {"thresholds": [{"rule": "absolute", "op": ">=", "value": 960}]}
    assert list(F.classify([959, 960], "limiares", ge)[0]) == [1, 2]
    # the same classes in every period, empty ones too (colours keep their meaning over time)
    cls, edges, _ = F.classify([1.0, 2.0], "limiares", NO2)
    assert len(edges) - 1 == 4 and list(cls) == [1, 1]


def test_threshold_classes_carry_their_meaning():
    import pandas as pd
    frame = pd.DataFrame({"territory_id": list("abcd"), "name": list("ABCD"), "value": [5, 15, 41.3, None]})
    md = F.map_data(frame, method="limiares", meta=NO2, decimals=1, unit="µg/m³", lang="pt")
    labels = [x[1] for x in md["legend"]]
    nb = "\u00a0"
    assert labels == [f"≤ 10{nb}µg/m³ (nenhum limiar ultrapassado)",
                      f"> 10 e ≤ 20{nb}µg/m³ (acima do limiar «Informação»)",
                      f"> 20 e ≤ 40{nb}µg/m³ (acima do valor-limite da UE para 2030)",
                      f"> 40{nb}µg/m³ (acima do valor-limite legal)", "Sem dados"]
    assert "acima do valor-limite legal" in md["by_group"]["all"]["hovertext"][2]
    assert "Diretiva 2008/50/CE" in md["note"]
    en = F.map_data(frame, method="limiares", meta=NO2, decimals=1, unit="µg/m³", lang="en")
    assert en["legend"][3][1] == f"> 40{nb}µg/m³ (above the legal limit value)"


def test_analytic_thresholds_say_so():
    meta = {"thresholds": [{"rule": "absolute", "level": "atencao", "op": "<", "value": 40,
                            "label": {"pt": "menos de 40 % votaram", "en": "under 40% voted"}}]}
    labels = F.threshold_labels(F.threshold_breaks(meta), 1, "%", "pt")
    assert labels[0].startswith("< 40") and "menos de 40 % votaram · regra analítica" in labels[0]
    assert labels[1].startswith("≥ 40") and "nenhum limiar ultrapassado" in labels[1]


def test_registry_official_thresholds_have_labels(built):
    """Every official absolute threshold tells the map what crossing it means."""
    from serving import data
    for _, r in data.indicators().iterrows():
        meta = json.loads(r["meta_json"] or "{}")
        for th in meta.get("thresholds") or []:
            if th.get("rule") == "absolute" and th.get("official"):
                assert th.get("label") and th["label"].get("pt") and th["label"].get("en"), r["indicator_id"]


# -- insets --------------------------------------------------------------------------------------

_bbox = geo_bbox


def test_insets_frame_every_island_and_corvo_is_not_a_speck(built):
    from serving import data
    layer = data.geo_layer("municipio")
    inset = layer["inset"]
    feats = {f["id"]: f for f in json.loads(inset["bytes"])["features"]}
    frames = dict(inset["frames"])
    for tid, f in feats.items():
        tipo = f["properties"]["tipo"]
        if tipo == "continente":
            continue
        x0, y0, x1, y1 = _bbox(f["geometry"]["coordinates"])
        fx0, fy0, fx1, fy1 = frames[tipo]
        assert fx0 <= x0 and x1 <= fx1 and fy0 <= y0 and y1 <= fy1, f"{tid} outside its frame"
    # the frames do not overlap each other or the mainland
    (ax0, ay0, ax1, ay1), (mx0, my0, mx1, my1) = frames["raa"], frames["ram"]
    assert ay0 > my1 or mx1 < ax0
    main_x0 = min(_bbox(f["geometry"]["coordinates"])[0] for f in feats.values()
                  if f["properties"]["tipo"] == "continente")
    assert max(ax1, mx1) < main_x0
    # Corvo (4901): the smallest island, drawn at least ISLAND_MIN across (it is 0.06° in reality)
    x0, y0, x1, y1 = _bbox(feats["4901"]["geometry"]["coordinates"])
    from etl.geo_inset import ISLAND_MIN
    assert max(x1 - x0, y1 - y0) >= ISLAND_MIN * 0.95
    # the whole map (mainland + island column) is about as wide as it is tall on a Mercator map,
    # so a box of aspect 1.08 (assets/30-views.css) is filled
    lon0, lat0, lon1, lat1 = inset["bounds"]
    merc = np.degrees(np.log(np.tan(np.pi / 4 + np.radians([lat0, lat1]) / 2)))
    assert 0.95 <= (lon1 - lon0) / (merc[1] - merc[0]) <= 1.2


# -- the indicator list --------------------------------------------------------------------------

def test_collate_key_sorts_the_portuguese_way():
    from web.indicator_view import collate_key
    words = ["Óbitos", "Zona", "índice", "Índice de envelhecimento", "Ilha", "Obras", "água", "Agueda", "Êxodo", "Estado"]
    assert sorted(words, key=collate_key) == ["água", "Agueda", "Estado", "Êxodo", "Ilha", "índice",
                                              "Índice de envelhecimento", "Óbitos", "Obras", "Zona"]


def test_indicator_list_sorts_the_portuguese_way(built):
    import app  # noqa: F401  (registers the pages)
    from web.indicator_view import collate_key
    from pages import indicador
    for lang in ("pt", "en"):
        labels = [o["label"] for o in indicador.indicator_options(lang)]
        assert labels == sorted(labels, key=collate_key), lang
    labels = [o["label"] for o in indicador.indicator_options("pt")]
    first_after_i = next(i for i, x in enumerate(labels) if collate_key(x)[0] > "j")
    assert all(labels.index(x) < first_after_i for x in labels if x.startswith("Í"))
    # typing without accents finds the accented titles
    opt = next(o for o in indicador.indicator_options("pt") if o["label"].startswith("Índice de envelhecimento"))
    assert "indice de envelhecimento" in opt["search"]
