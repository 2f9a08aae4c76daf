"""404: no page at this address (Dash pages renders this for any unknown path)."""
from __future__ import annotations

import dash

from obs import ui
from obs.i18n import lang_of, t

dash.register_page(__name__, path="/404", title="Página não encontrada · Observatório")


def layout(lang: str | None = None, **kwargs):
    lang = lang_of(lang)
    return ui.error_layout(404, lang, t("err.404.title", lang), [t("err.404.body", lang)])
