"""factcheck: check claims against your own documents, offline.

>>> from factcheck import FactChecker
>>> checker = FactChecker.build(["my-docs/"], "my-index")            # doctest: +SKIP
>>> verdict = checker.check("Stargate funds will not be available")  # doctest: +SKIP
>>> verdict.label, verdict.confidence                                # doctest: +SKIP
('disputed', 0.93)

The pipeline's stages are subpackages, each with one job: :mod:`factcheck.ingest` (documents into passages),
:mod:`factcheck.embed` (passages and claims into vectors), :mod:`factcheck.index` (the evidence store, FAISS or
Milvus), :mod:`factcheck.verify` (stance of each passage), :mod:`factcheck.pipeline` (retrieve, verify, aggregate),
:mod:`factcheck.evaluation` (benchmarks), :mod:`factcheck.training` (the verifier's data and training). They all
speak one data contract: :class:`Document`, :class:`Passage`, :class:`Hit`, :class:`Evidence`, :class:`Verdict`,
:class:`Claim`.
"""

from __future__ import annotations

from ._types import Claim, Document, Evidence, Hit, Passage, Progress, Verdict
from .embed import Embedder, EmbedderConfig, create_embedder
from .errors import FactcheckError
from .index import BuildReport, EvidenceStore, FaissIndex, IndexConfig, MilvusIndex, SearchFilter, build_index, open_index
from .ingest import read_documents, split_passages
from .labels import DISPUTED, LABELS, SUPPORTED, UNVERIFIED, normalize_label
from .pipeline import CheckConfig, FactChecker, Judgement, aggregate
from .settings import __version__
from .verify import Verifier, VerifierConfig, load_verifier

__all__ = [
    "DISPUTED",
    "LABELS",
    "SUPPORTED",
    "UNVERIFIED",
    "BuildReport",
    "CheckConfig",
    "Claim",
    "Document",
    "Embedder",
    "EmbedderConfig",
    "Evidence",
    "EvidenceStore",
    "FactChecker",
    "FactcheckError",
    "FaissIndex",
    "Hit",
    "IndexConfig",
    "Judgement",
    "MilvusIndex",
    "Passage",
    "Progress",
    "SearchFilter",
    "Verdict",
    "Verifier",
    "VerifierConfig",
    "__version__",
    "aggregate",
    "build_index",
    "create_embedder",
    "load_verifier",
    "normalize_label",
    "open_index",
    "read_documents",
    "split_passages",
]
