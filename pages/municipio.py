"""Município: the profile of one municipality — every indicator, alarms, peers (`/municipio/<dico>`).

Built by web.profile_view, like the region page: this module registers the route and wires it.
"""
from __future__ import annotations

import dash

from web import profile_view as PV
from web import ui

KIND = PV.MUNICIPIO
ids = KIND.ids

dash.register_page(__name__, path_template="/municipio/<dico>", name="Município",
                   title=lambda dico=None, **kw: PV.title(KIND, dico))


def layout(dico: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
           **_):
    return PV.layout(KIND, dico, grupo, i, lang)


@ui.status_check("/municipio/<dico>")
def http_status(dico: str | None = None, grupo: str | None = None, i: str | None = None, lang: str | None = None,
                **_) -> int:
    return PV.http_status(KIND, dico, grupo, i, lang)


update_band = PV.wire(KIND)
