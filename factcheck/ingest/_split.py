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
#: a passage shorter than this is read with the sentence before it (see :func:`needs_context`).
CONTEXT_BELOW_CHARS = 50

#: how a passage opens when it refers back to what came before: a pronoun, a demonstrative or possessive, or a
#: definite article with a generic noun ("The company", "La ville"), in English and French.
_GENERIC = (
    "company firm group city town club team side project line court judge minister mayor government council agency "
    "bank university museum festival hospital study trial drug report plan deal bid offer board union strike storm "
    "society organisation organization region country state party police president chief programme program "
    "société entreprise ville groupe équipe projet ligne tribunal juge ministre maire gouvernement conseil agence "
    "banque université musée hôpital étude essai rapport accord offre commune région pays syndicat grève tempête "
    "parti police président direction"
)
_REFERS_BACK = re.compile(
    r"^(?:it|its|he|she|they|their|them|his|her|this|these|those|that|such|both|there|il|elle|ils|elles|ce|cet|cette|"
    r"ces|celui-ci|celle-ci|sa|son|ses|leur|leurs|lui)\b"
    r"|^(?:the|le|la|les|l['’])\s?(?:" + "|".join(_GENERIC.split()) + r")\b",
    re.I,
)


def needs_context(text: str) -> bool:
    """Whether a passage is read with the sentence before it: it refers back ("It cost 610 million euros.", "The
    company denied it.") or is too short to stand alone."""
    return len(text) < CONTEXT_BELOW_CHARS or bool(_REFERS_BACK.match(text))


def reading_text(text: str, before: str) -> str:
    """What the models read for a passage: the passage, after the sentence before it (``before``, of the same
    document) when it needs that context."""
    return f"{before} {text}" if before and needs_context(text) else text


def fold_whitespace(text: str) -> str:
    """Line breaks and runs of spaces inside a passage made one space (wrapped Markdown, PDF lines)."""
    return " ".join(text.split())


def split_passages(doc: Document, default_lang: str = "en") -> list[Passage]:
    """Sentence passages of a document, with character offsets into ``doc.text`` (the passage's text is that span
    with its whitespace folded: :func:`fold_whitespace`)."""
    lang = lang_code(doc.lang or default_lang) or "en"
    passages: list[Passage] = []
    for para_start, para in _paragraphs(doc.text):
        spans = _sentence_spans(para, lang)
        for start, end in _merge_short(spans, para):
            for s, e in _cut_long(para, start, end):
                passages.append(
                    Passage(
                        doc_id=doc.doc_id,
                        text=fold_whitespace(para[s:e]),
                        start=para_start + s,
                        end=para_start + e,
                        title=doc.title,
                        source=doc.source,
                        date=doc.date,
                        lang=passage_language(para[s:e], doc.lang),
                    )
                )
    return passages


def sentence_spans(text: str, lang: str = "en") -> list[tuple[int, int]]:
    """The (start, end) character spans of a text's sentences, paragraph by paragraph, none merged or cut (what a
    reader calls a sentence; :func:`split_passages` joins the very short ones for the index)."""
    return [(para_start + s, para_start + e) for para_start, para in _paragraphs(text) for s, e in _sentence_spans(para, lang_code(lang) or "en")]


#: sentencex's segmenter takes time in the square of its input's length on some text (Chinese or Japanese with no space
#: after its full stops: 80,000 characters in 2 s, a million in minutes), so a long paragraph is segmented window by
#: window (twice the longest passage: a longer sentence is cut anyway): each window's last sentence, perhaps cut
#: short, starts the next window (a one-line file is one paragraph).
SEGMENT_WINDOW_CHARS = 2000


def _sentence_spans(para: str, lang: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(para):
        end = start + SEGMENT_WINDOW_CHARS
        if end >= len(para):
            spans += [(start + s, start + e) for s, e in _window_spans(para[start:], lang)]
            break
        window = _window_spans(para[start:end], lang)
        if len(window) > 1:  # all but the last sentence, which may go on past the window
            spans += [(start + s, start + e) for s, e in window[:-1]]
            start += window[-1][0]
            continue
        # no sentence ends in the window: keep it to its last space (one sentence, cut to size by _cut_long)
        cut = para.rfind(" ", start + SEGMENT_WINDOW_CHARS // 2, end)
        cut = cut if cut > start else end
        first, last = (start + window[0][0], start + len(para[start:cut].rstrip())) if window else (cut, cut)
        if last > first:
            spans.append((first, last))
        start = cut
    return spans


def _window_spans(para: str, lang: str) -> list[tuple[int, int]]:
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
    return spans


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
