"""Downloaded images are publishable (issue 8 item 5): the PNG and SVG a person downloads under a chart
carry the title, the subtitle (territories and period), the unit, the legend, the source and the
licence, at 2x scale, and are named after the indicator and period. Headless Chromium downloads them
into a folder (CDP Browser.setDownloadBehavior)."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from tests import see

pytestmark = pytest.mark.browser

IND = "indice_envelhecimento"


def downloaded(folder: Path, name: str, timeout: float = 30) -> Path:
    path = folder / name
    see.until(lambda: path.exists() and path.stat().st_size > 0 and not list(folder.glob("*.crdownload")),
              timeout, f"{name} in {folder} (has {[p.name for p in folder.iterdir()]})")
    return path


def click(d, selector: str):
    b = see.visible(d, selector)
    d.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", b)
    time.sleep(0.3)
    b.click()
    return b


def painted(d, selector: str):
    d.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center', behavior: 'instant'})",
                     selector)
    see.painted(d, selector)


@pytest.fixture
def folder(tmp_path, desktop):
    desktop.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    return tmp_path


def size(path: Path) -> tuple[int, int]:
    from PIL import Image
    return Image.open(io.BytesIO(path.read_bytes())).size


def test_map_png_and_svg(desktop, live_url, folder):
    see.open(desktop, f"{live_url}/indicador/{IND}?period=2020")
    painted(desktop, "#ind-map")
    btn = click(desktop, "[data-export=png][data-graph=ind-map]")
    png = downloaded(folder, f"{IND}_2020_municipios.png")
    assert size(png) == (2400, 2000)                        # 1200 × 1000 at 2x
    assert see.colours(png.read_bytes(), step=8) >= 8        # the classes' colours, the text
    see.until(lambda: "Imagem descarregada" in btn.find_element("xpath", "..").text, msg="announced")
    click(desktop, "[data-export=svg][data-graph=ind-map]")
    svg = downloaded(folder, f"{IND}_2020_municipios.svg").read_text(encoding="utf-8")
    for text in ("Índice de envelhecimento", "Municípios, 2020", "Unidade: idosos por 100 jovens",
                 "Fonte: INE", "Licença:", "Sem dados", "46,8"):
        assert text in svg, f"{text!r} is not in the map's SVG"
    assert "<image" not in svg and svg.count("<path") > 300   # vector municipalities, not a raster


def test_series_png_and_svg_name_the_territories_and_years(desktop, live_url, folder):
    see.open(desktop, f"{live_url}/indicador/{IND}?territories=1106")
    painted(desktop, "#ind-series")
    click(desktop, "[data-export=png][data-graph=ind-series]")
    assert size(downloaded(folder, f"{IND}_2001-2020_serie.png")) == (2400, 1520)
    click(desktop, "[data-export=svg][data-graph=ind-series]")
    svg = downloaded(folder, f"{IND}_2001-2020_serie.svg").read_text(encoding="utf-8")
    for text in ("Índice de envelhecimento", "Portugal, Lisboa, 2001–2020", "Unidade: idosos por 100 jovens",
                 "Fonte: INE", "Licença:", ">Lisboa<", ">2020<"):
        assert text in svg, f"{text!r} is not in the series' SVG"


def test_one_period_and_english(desktop, live_url, folder):
    see.open(desktop, f"{live_url}/indicador/divida_pct_limite?territories=1106&lang=en")
    painted(desktop, "#ind-series")
    click(desktop, "[data-export=svg][data-graph=ind-series]")
    svg = downloaded(folder, "divida_pct_limite_2024_serie.svg").read_text(encoding="utf-8")
    for text in ("Portugal, Lisboa, 2024", "Unit:", "Source: DGAL", "Licence:"):
        assert text in svg, f"{text!r} is not in the SVG"


def test_buttons_fit_a_phone_and_take_the_keyboard(phone, live_url):
    see.open(phone, f"{live_url}/indicador/{IND}")
    for sel in ("[data-export=png][data-graph=ind-map]", "[data-export=svg][data-graph=ind-series]"):
        see.visible(phone, sel, min_height=24)
    see.focus_reaches(phone, "[data-export=png][data-graph=ind-map]")
    see.fits(phone)
