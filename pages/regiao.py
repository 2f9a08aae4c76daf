"""Região: the profile of a region — the country, NUTS I/II/III, district or island, CIM/AM (`/regiao/<code>`).

Same profile as a municipality (web.profile_view); its peers are the other regions of the same level.
"""
from __future__ import annotations

import dash

from web import profile_view as PV
from web import ui

KIND = PV.REGIAO
ids = KIND.ids

dash.register_page(__name__, path_template="/regiao/<code>", name="Região",
                   title=lambda code=None, **kw: PV.title(KIND, code))


def layout(code: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
           **_):
    return PV.layout(KIND, code, grupo, i, lang)


@ui.status_check("/regiao/<code>")
def http_status(code: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
                **_) -> int:
    return PV.http_status(KIND, code, grupo, i, lang)


update_band = PV.wire(KIND)
