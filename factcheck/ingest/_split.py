"""Splitting documents into sentence passages with exact character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sentencex import segment

from .._types import Document, Passage
from ._language import lang_code, passage_language

#: passages shorter than this many characters are joined to the next sentence of the same paragraph.
MIN_PASSAGE_CHARS = 25
#: sentences longer than this are cut at word boundaries (the models read about 256 tokens).
MAX_PASSAGE_CHARS = 1000


def split_passages(doc: Document, default_lang: str = "en") -> list[Passage]:
    """Sentence passages of a document, with character offsets into ``doc.text``."""
    lang = lang_code(doc.lang or default_lang) or "en"
    passages: list[Passage] = []
    for para_start, para in _paragraphs(doc.text):
        spans: list[tuple[int, int]] = []
        cursor = 0
        for sentence in segment(lang, para):
            offset = para.find(sentence, cursor)
            if offset < 0:
                offset = cursor
            cursor = offset + len(sentence)
            stripped = sentence.strip()
            if not stripped:
                continue
            start = offset + (len(sentence) - len(sentence.lstrip()))
            spans.append((start, start + len(stripped)))
        for start, end in _merge_short(spans, para):
            for s, e in _cut_long(para, start, end):
                passages.append(
                    Passage(
                        doc_id=doc.doc_id,
                        text=para[s:e],
                        start=para_start + s,
                        end=para_start + e,
                        title=doc.title,
                        source=doc.source,
                        date=doc.date,
                        lang=passage_language(para[s:e], doc.lang),
                    )
                )
    return passages


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    for match in re.finditer(r"\S(?:.*?)(?=\n\s*\n|\Z)", text, re.S):
        yield match.start(), match.group(0).rstrip()


def _merge_short(spans: list[tuple[int, int]], para: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for start, end in spans:
        if pending is not None:
            start = pending[0]
            pending = None
        if end - start < MIN_PASSAGE_CHARS:
            pending = (start, end)
            continue
        out.append((start, end))
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], pending[1])
        else:
            out.append(pending)
    return out


def _cut_long(para: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > MAX_PASSAGE_CHARS:
        cut = para.rfind(" ", start, start + MAX_PASSAGE_CHARS)
        if cut <= start:
            cut = start + MAX_PASSAGE_CHARS
        yield start, cut
        start = cut + 1
    yield start, end
