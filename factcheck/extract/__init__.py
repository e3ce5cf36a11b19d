"""Extract stage: the check-worthy claims of a whole text (an article, a press release, a chatbot's answer).

:func:`extract_claims` splits a text into sentences (the same splitter as the index) and keeps its statements of
fact, each made self-contained, with its character span in the text and why it was kept; every sentence left out
says why. Extractors are chosen by name (:func:`make_extractor`):

- ``rules`` (default): offline, English and French; keeps a sentence with a figure, a date, a name or a reported
  statement that is not a question, an opinion, a heading or boilerplate, and resolves a subject pronoun that opens
  it ("Il a proposé ..." after a sentence that opens on "Sam Altman" becomes "Sam Altman a proposé ...").
- ``openai``: a chat model the user runs behind an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp's server),
  never called unless named; it also resolves "the company" and splits sentences that state several facts.
"""

from __future__ import annotations

from ._base import ExtractedClaim, Extraction, Extractor, SkippedSentence
from ._factory import EXTRACTORS, extract_claims, make_extractor

__all__ = ["EXTRACTORS", "ExtractedClaim", "Extraction", "Extractor", "SkippedSentence", "extract_claims", "make_extractor"]
