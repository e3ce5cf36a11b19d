"""Text helpers shared by the pipeline stages."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain: how words and names are compared."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()
