"""Text keys shared by the build and the app."""
from __future__ import annotations

import unicodedata


def fold(s: str) -> str:
    """Lower case, no accents: the search and sort key ('Águeda' -> 'agueda'), the same in the build
    (alarm search keys, territory names) and in the app (search, indicator lists)."""
    s = unicodedata.normalize("NFKD", str(s))
    return "".join(c for c in s if not unicodedata.combining(c)).lower().strip()
