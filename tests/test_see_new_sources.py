"""What a person sees of the new indicators (State transfers, overnight stays, registered unemployment):
the pages render with the right units and caveats, a suppressed cell reads as no data (never 0), a
mainland-only indicator has no national value, and the rows fit a 375 px phone."""
from __future__ import annotations

import pytest

from tests import see
from tests.axe import format_violations, run_axe, serious

pytestmark = pytest.mark.browser

LEGEND, SUMMARY, METADATA, MAP = "#ind-legend", "#ind-map-summary", "#ind-metadata", "#ind-map"
NBSP = "\u00a0"


def row_text(driver, title: str) -> str:
    """The rendered text of the profile row whose indicator link reads `title`."""
    return see.until(lambda: driver.execute_script(
        "var t = arguments[0]; var a = Array.from(document.querySelectorAll('tr th a')).find(x => x.innerText.trim() === t);"
        "return a ? a.closest('tr').innerText : null;", title), msg=f"the row {title!r}")


def test_transfers_page_units_caveats_and_map(desktop, live_url):
    see.open(desktop, live_url + "/indicador/transferencias_estado_total?tab=metadados")
    see.text(desktop, "main h1", "Transferências do Orçamento do Estado para o município")
    see.text(desktop, LEGEND, "euros")
    summary = " ".join(see.text(desktop, SUMMARY, "(Corvo)").text.split())
    assert "de 1 908 335 € (Corvo)" in summary and "0 sem dados" in summary        # 2023, all 308 have a value
    see.painted(desktop, MAP)
    meta = see.text(desktop, METADATA, "Diário da Assembleia da República").text
    assert "mapa executado" in meta and "script de terceiros" in meta and "DGO" in meta
    see.fits(desktop)
    see.shot(desktop, "h6-transferencias-metadados-desktop")


def test_overnight_stays_on_a_phone_say_no_data_never_zero(phone, live_url):
    see.open(phone, live_url + "/indicador/dormidas_turisticas?tab=metadados")
    see.text(phone, "main h1", "Dormidas em alojamento turístico (2019)")
    see.text(phone, LEGEND, "Sem dados (10)")
    see.text(phone, SUMMARY, "10 sem dados")
    meta = see.text(phone, METADATA, "nunca zero").text
    assert "Corvo" in meta and "70 158 964" in meta
    see.fits(phone)                           # the caveats wrap: no identifier wider than the screen
    see.shot(phone, "h6-dormidas-metadados-phone")


def test_mainland_only_indicator_has_no_national_value(desktop, live_url):
    see.open(desktop, live_url + "/indicador/desemprego_longa_duracao_pct?tab=metadados")
    see.text(desktop, "main h1", "Desempregados registados há 1 ano ou mais (continente, dez. 2025)")
    see.text(desktop, SUMMARY, "30 sem dados")                                 # Açores and Madeira
    see.text(desktop, METADATA, "não há valor nacional")
    see.open(desktop, live_url + "/municipio/1106")
    row = row_text(desktop, "Desempregados registados há 1 ano ou mais (continente, dez. 2025)")
    assert f"40,1{NBSP}%" in row and "31 dez 2025" in row
    cells = row.split("\t")
    assert cells[3].strip() == "—", cells                                    # the Portugal column: no value


def test_profile_of_corvo_shows_no_data_for_suppressed_stays(desktop, live_url):
    see.open(desktop, live_url + "/municipio/4901")
    stays = row_text(desktop, "Dormidas em alojamento turístico (2019)")
    assert stays.split("\t")[1].strip() == "—" and "0" not in stays.split("\t")[1], stays
    jobs = row_text(desktop, "Desempregados registados (fim de dezembro de 2025)")
    assert f"5{NBSP}N.º" in jobs and "31 dez 2025" in jobs and f"299{NBSP}423{NBSP}N.º" in jobs
    proxy = row_text(desktop, "Desempregados registados por 100 residentes (aproximação, dez. 2025)")
    assert f"1,3{NBSP}/100 hab." in proxy


NEW_ROWS = ["Transferências do Orçamento do Estado para o município",
            "Transferências do Orçamento do Estado por habitante",
            "Fundo de Equilíbrio Financeiro (FEF) transferido em 2014",
            "Fundo Social Municipal (FSM) transferido em 2014",
            "Participação no IRS transferida em 2014",
            "Taxa de participação no IRS fixada pelo município (2014)",
            "Dormidas em alojamento turístico (2019)",
            "Dormidas em alojamento turístico por 100 habitantes (2019)",
            "Desempregados registados (fim de dezembro de 2025)",
            "Desempregados registados por 100 residentes (aproximação, dez. 2025)",
            "Desempregados registados há 1 ano ou mais (continente, dez. 2025)"]


def test_new_rows_of_the_profile_fit_a_phone(phone, live_url):
    """Each new row, as a phone shows it (a card of label/value lines), fits the table's width on its own.
    (Rows of other indicators that do not fit widen their whole table: see the report.)"""
    see.open(phone, live_url + "/municipio/1106")
    see.text(phone, "main h1", "Lisboa")
    for title in NEW_ROWS:
        got = see.until(lambda t=title: phone.execute_script("""
            var t = arguments[0];
            var a = Array.from(document.querySelectorAll('tr th a')).find(x => x.innerText.trim() === t);
            if (!a) return null;
            var tr = a.closest('tr'), table = tr.closest('table'), rows = Array.from(table.querySelectorAll('tbody tr'));
            rows.forEach(r => { if (r !== tr) r.style.display = 'none'; });
            var b = tr.getBoundingClientRect(), w = table.getBoundingClientRect().width,
                avail = table.parentElement.getBoundingClientRect().width, text = tr.innerText;
            rows.forEach(r => { r.style.display = ''; });
            return {w: w, avail: avail, h: b.height, text: text};""", t), msg=title)
        assert got["h"] > 0 and got["text"].strip(), title
        assert got["w"] <= got["avail"] + 0.5, f"{title}: {got['w']:.0f} px wide in a {got['avail']:.0f} px column"
    fef = row_text(phone, "Fundo de Equilíbrio Financeiro (FEF) transferido em 2014")
    assert f"0{NBSP}€" in fef and "2014" in fef                                # Lisboa receives no FEF: a real zero
    see.shot(phone, "h6-municipio-1106-phone")


def test_new_indicator_pages_have_no_serious_axe_violations(desktop, live_url):
    for path, h1 in (("/indicador/dormidas_por_100_habitantes?tab=metadados", "Dormidas em alojamento turístico por 100"),
                     ("/indicador/irs_taxa_participacao_2014?lang=en", "IRS participation rate set by the municipality")):
        see.open(desktop, live_url + path)
        see.text(desktop, "main h1", h1)
        bad = serious(run_axe(desktop))
        assert not bad, format_violations(bad, path)
