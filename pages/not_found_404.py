"""404: no page at this address (Dash pages renders this for any unknown path)."""
from __future__ import annotations

import dash

from web import ui
from core.i18n import lang_of, page_title, t

dash.register_page(__name__, path="/404", title=page_title("page.404"))


def layout(lang: str | None = None, **kwargs):
    lang = lang_of(lang)
    return ui.error_layout(404, lang, t("err.404.title", lang), [t("err.404.body", lang)])
