"""The one place an index backend is chosen by name (as txtai's ``ann/dense/factory.py`` chooses an ANN backend):
:func:`open_index` reads an index, :func:`create_target` makes where a build writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import FactcheckError
from ..settings import INDEX_BACKENDS, index_backend
from ._base import BuildTarget, EvidenceStore, IndexConfig
from ._faiss import FaissIndex, FaissTarget
from ._milvus import MilvusIndex, MilvusTarget, milvus_uri


def _open_faiss(location: str | Path, uri: str | None) -> EvidenceStore:
    if uri:
        raise FactcheckError("--uri is for the milvus backend: drop it, or use --backend milvus")
    return FaissIndex.open(location)


def _open_milvus(location: str | Path, uri: str | None) -> EvidenceStore:
    return MilvusIndex.open(str(location), milvus_uri(uri))


#: backend name -> how to open an index of it, and where its builds write.
OPENERS: dict[str, Callable[[str | Path, str | None], EvidenceStore]] = {"faiss": _open_faiss, "milvus": _open_milvus}
TARGETS: dict[str, Callable[[str | Path, IndexConfig], BuildTarget]] = {"faiss": FaissTarget, "milvus": MilvusTarget}


def resolve_backend(backend: str | None, uri: str | None = None) -> str:
    """The backend asked for (``backend``, else milvus with a ``uri``, else faiss); FactcheckError for an unknown one."""
    try:
        return index_backend(backend, uri)
    except ValueError as exc:
        raise FactcheckError(str(exc)) from None


def open_index(location: str | Path, backend: str | None = None, uri: str | None = None) -> EvidenceStore:
    """Open an index: a FAISS index directory, or with ``backend="milvus"`` (implied by ``uri``) the index
    named ``location`` on the Milvus server, cluster or milvus-lite file at ``uri``."""
    return OPENERS[resolve_backend(backend, uri)](location, uri)


def create_target(location: str | Path, config: IndexConfig) -> BuildTarget:
    """Where a build of ``config.backend`` writes the index ``location`` (a directory for FAISS, a name for Milvus)."""
    if config.backend not in INDEX_BACKENDS:
        raise FactcheckError(f"unknown index backend {config.backend!r}: use one of {', '.join(INDEX_BACKENDS)}")
    return TARGETS[config.backend](location, config)
