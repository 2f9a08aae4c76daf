"""400: an address with invalid parameters, listing the valid values (pages also render this inline)."""
from __future__ import annotations

import dash

from web import ui
from core.i18n import lang_of, page_title, t

dash.register_page(__name__, path="/400", title=page_title("page.400"))


def layout(lang: str | None = None, **kwargs):
    lang = lang_of(lang)
    return ui.error_layout(400, lang, t("err.400.title", lang), [t("err.400.body", lang)])
