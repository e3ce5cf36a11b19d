"""Claim extractors by name: ``rules`` (the offline default) and ``openai`` (a chat model the user runs)."""

from __future__ import annotations

from ..errors import FactcheckError
from ._base import Extraction, Extractor
from ._openai import OpenAIExtractor
from ._rules import RulesExtractor

#: the names ``--extractor`` takes.
EXTRACTORS = ("rules", "openai")


def make_extractor(name: str = "rules", *, base_url: str | None = None, model: str | None = None, timeout: float = 120.0) -> Extractor:
    """The extractor called ``name``. ``openai`` needs the endpoint's ``base_url`` (such as
    ``http://localhost:11434/v1`` for Ollama) and the ``model`` to ask; its API key, where one is needed, comes from
    ``FACTCHECK_EXTRACTOR_API_KEY`` or ``OPENAI_API_KEY``."""
    if name == "rules":
        if base_url or model:
            raise FactcheckError("--base-url and --model are for --extractor openai (the rules extractor runs offline)")
        return RulesExtractor()
    if name == "openai":
        if not base_url or not model:
            raise FactcheckError("--extractor openai needs --base-url (e.g. http://localhost:11434/v1 for Ollama) and --model (a model that server runs)")
        if not base_url.startswith(("http://", "https://")):
            raise FactcheckError(f"--base-url {base_url}: give an http:// or https:// address, such as http://localhost:11434/v1")
        return OpenAIExtractor(base_url, model, timeout=timeout)
    raise FactcheckError(f"unknown extractor {name!r}: choose one of {', '.join(EXTRACTORS)}")


def extract_claims(text: str, lang: str | None = None, extractor: Extractor | None = None) -> Extraction:
    """The check-worthy claims of ``text`` (language detected when ``lang`` is None), with the sentences left out,
    by ``extractor`` (the offline rule-based one when None)."""
    return (extractor or make_extractor()).extract(text, lang)
