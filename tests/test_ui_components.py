"""The one dialect of web/ui.py: every view's tables, summaries, key facts and empty states come from the
same components (issue 10 item 5), with their accessibility built in."""
from __future__ import annotations

from dash import dcc, html

from web import ui


def _props(c) -> dict:
    return c.to_plotly_json()["props"]


def test_table_is_semantic_with_numbers_and_row_headers():
    out = ui.table([("ind", "Indicador"), ("v", "Valor")], [{"ind": "A", "v": "1,0"}], "Legenda",
                   numeric={"v"}, row_header="ind", hide_caption=True)
    assert _props(out)["role"] == "region" and _props(out)["aria-label"] == "Legenda"    # focusable wrapper
    assert _props(out)["tabIndex"] == "0" and "obs-scroll" in _props(out)["className"]
    tbl = out.children
    assert "obs-table" in tbl.className and "table-striped" in tbl.className
    cap, head, body = tbl.children
    assert cap.children == "Legenda" and cap.className == "visually-hidden"
    assert [th.scope for th in head.children.children] == ["col", "col"]
    assert head.children.children[1].className == "num"
    row = body.children[0].children
    assert isinstance(row[0], html.Th) and row[0].scope == "row"
    assert isinstance(row[1], html.Td) and row[1].className == "num"


def test_stacked_table_cells_carry_their_column_name():
    link = dcc.Link("Lisboa", href="/municipio/1106")
    out = ui.table([("ind", "Indicador"), ("1106", link, "Lisboa"), ("x", "Explicação")],
                   [{"ind": "A", "1106": "1,0", "x": "porque"}], "Legenda", row_header="ind", stack=True,
                   wrap=None, classes={"x": "obs-expl"})
    assert isinstance(out, html.Table) and "obs-stack-table" in out.className
    assert "table-striped" not in out.className                      # cards are not striped
    tds = out.children[2].children[0].children[1:]
    assert [_props(td)["data-label"] for td in tds] == ["Lisboa", "Explicação"]   # a text even for a link header
    assert tds[1].className == "obs-expl"


def test_declared_and_tall_scrollers():
    x = ui.table([("p", "Período")], [], "T", wrap="x")
    assert _props(x)["data-scroll-x"] == "true"
    tall = ui.table([("p", "Período")], [], "T", scroll=True, id="t")
    assert "obs-scroll--tall" in tall.className and tall.id == "t"


def test_summary_keyfacts_and_empty_state():
    s = ui.summary("Uma frase.", "sid", live=True, className="mt-2")
    assert s.className == "obs-summary mt-2" and _props(s)["aria-live"] == "polite" and s.id == "sid"
    assert ui.summary("Outra.").className == "obs-summary"
    dl = ui.keyfacts([("População", "1"), ("Área", "2 km²")], grid=True)
    assert dl.className == "obs-keyfacts obs-keyfacts--grid"
    assert [type(c).__name__ for c in dl.children] == ["Dt", "Dd", "Dt", "Dd"]
    assert ui.empty("Nada.").className == "obs-empty"
