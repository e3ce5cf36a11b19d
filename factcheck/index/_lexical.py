"""The lexical half of retrieval: BM25 over a generation's passages (``bm25s``), kept beside its vectors.

Names, figures and rare terms ("RX-17", "Brockman", "9.74 billion") are where a small dense embedder is weakest and
BM25 strongest; the two together find more than either (BEIR). A build writes the lexical index into the new
generation's ``lexical/`` folder, from all its passages (tokenising and scoring 100k passages takes seconds, far
less than embedding the changed documents), so it is as atomic and as current as the vectors; it is memory-mapped
when opened.

Tokens: words folded to lower case without accents, English and French stop words left out, each word stemmed in
its passage's language (Snowball), figures split at their separators ("9.74" and "9,74" are both 9 and 74). A claim
is stemmed in its own language: a French claim finds French passages by their words and any passage by its names
and figures; across languages the dense half carries retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import snowballstemmer

from .._text import fold
from ..ingest import needs_context

if TYPE_CHECKING:
    from .._types import Passage

#: the folder of a generation that holds the lexical index.
LEXICAL_DIR = "lexical"
#: how passages were cut into tokens (recorded in the manifest: a query must be cut the same way).
TOKENIZER = "title-context-fold-stopwords-snowball-1"
#: Snowball stemmers by language code; other languages are stemmed as English (names and figures still match).
_STEMMERS = {"en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese", "nl": "dutch"}
_TOKEN = re.compile(r"\d+|[^\W\d_]+")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

    return frozenset(fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_FRENCH))


@lru_cache(maxsize=16)
def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    return snowballstemmer.stemmer(_STEMMERS.get(lang, "english"))


@lru_cache(maxsize=262144)
def _stem(lang: str, word: str) -> str:
    return str(_stemmer(lang).stemWord(word))


def tokenize(text: str, lang: str = "en") -> list[str]:
    """The tokens BM25 reads of a text in language ``lang``: folded, without stop words, stemmed; figures as digits."""
    stop = _stopwords()
    lang = lang if lang in _STEMMERS else "en"
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0).lower()
        if fold(word) in stop:
            continue
        out.append(word if word[0].isdigit() else fold(_stem(lang, word)))  # stemmed with its accents, then folded
    return out


def _lexical_text(passages: Sequence[Passage], i: int) -> str:
    """What BM25 reads of passage ``i``: its document's title, the sentence before it when it refers back to it (as
    the embedder reads it), and its text."""
    p = passages[i]
    before = passages[i - 1].text if i > 0 and passages[i - 1].doc_id == p.doc_id and needs_context(p.text) else ""
    return f"{p.title}\n{before}\n{p.text}"


def build_lexical(passages: Sequence[Passage], directory: Path) -> dict:
    """Index the passages (row i is passage i) with BM25 into ``directory``, each read with its document's title and
    the sentence it refers back to (the name of what a sentence speaks of is often there only); returns what the
    manifest records."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([tokenize(_lexical_text(passages, i), p.lang or "en") for i, p in enumerate(passages)], show_progress=False)
    retriever.save(str(directory), show_progress=False)
    return {"library": "bm25s", "version": bm25s.__version__, "tokenizer": TOKENIZER, "passages": len(passages)}


class LexicalIndex:
    """A saved BM25 index, memory-mapped: search by claim text."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @cached_property
    def bm25(self):  # type: ignore[no-untyped-def]
        import bm25s

        return bm25s.BM25.load(str(self.directory), mmap=True, show_progress=False)

    def search(self, texts: Sequence[str], langs: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[list[tuple[int, float]]]:
        """The top ``k`` rows of each text with their BM25 score, best first; rows scoring 0 (no word in common)
        are left out; ``mask`` (1.0 for the rows a filter allows, 0.0 elsewhere) restricts the search."""
        bm25 = self.bm25
        n = int(bm25.scores["num_docs"])
        out: list[list[tuple[int, float]]] = []
        for text, lang in zip(texts, langs):
            ids = bm25.get_tokens_ids(tokenize(text, lang))
            if not ids:
                out.append([])
                continue
            scores = bm25.get_scores_from_ids(ids, weight_mask=mask)
            top = min(k, n)
            rows = np.argpartition(-scores, top - 1)[:top] if top < n else np.arange(n)
            rows = rows[np.argsort(-scores[rows], kind="stable")]
            out.append([(int(r), float(scores[r])) for r in rows if scores[r] > 0])
        return out
