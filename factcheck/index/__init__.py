"""Index stage: the evidence index, on disk (FAISS, the default) or in a Milvus server or cluster.

An index has one of two backends, recorded in its manifest: ``faiss`` (an index directory) and ``milvus``
(collections in Milvus). Both hold generations, are built by :func:`build_index` from the same documents,
passages and vectors, and answer the same read interface, :class:`EvidenceStore`; :func:`open_index` opens
either, by backend name. A build writes a new generation beside the current one and switches readers to it only
when it is complete, so an interrupted or failed build leaves the previous index intact.
"""

from __future__ import annotations

from .._types import Hit
from ._ann import FEW_QUERIES, FLAT, IVF_SQ8, recall_at_k
from ._base import INDEX_FORMAT, BuildReport, BuildTarget, EvidenceStore, IndexConfig, ProgressHook, SearchFilter, check_embedder, same_embedder
from ._build import build_index, choose_embedder, embedder_for
from ._factory import OPENERS, TARGETS, create_target, open_index, resolve_backend
from ._faiss import CURRENT, MANIFEST, STORE, VECTORS, FaissIndex, FaissTarget
from ._hybrid import DEFAULT_RETRIEVAL, DENSE, HYBRID, LEXICAL, RETRIEVAL_MODES, fuse, has_lexical, resolve_mode, retrieve
from ._lexical import LEXICAL_DIR, LexicalIndex, tokenize
from ._milvus import MilvusIndex, MilvusTarget

__all__ = [
    "CURRENT",
    "DEFAULT_RETRIEVAL",
    "DENSE",
    "HYBRID",
    "LEXICAL",
    "LEXICAL_DIR",
    "RETRIEVAL_MODES",
    "LexicalIndex",
    "fuse",
    "has_lexical",
    "resolve_mode",
    "retrieve",
    "tokenize",
    "FEW_QUERIES",
    "FLAT",
    "INDEX_FORMAT",
    "IVF_SQ8",
    "MANIFEST",
    "OPENERS",
    "STORE",
    "TARGETS",
    "VECTORS",
    "BuildReport",
    "BuildTarget",
    "EvidenceStore",
    "FaissIndex",
    "FaissTarget",
    "Hit",
    "IndexConfig",
    "MilvusIndex",
    "MilvusTarget",
    "ProgressHook",
    "SearchFilter",
    "build_index",
    "check_embedder",
    "choose_embedder",
    "create_target",
    "embedder_for",
    "open_index",
    "recall_at_k",
    "resolve_backend",
    "same_embedder",
]
