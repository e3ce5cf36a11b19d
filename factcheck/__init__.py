"""factcheck: check claims against your own documents, offline.

>>> from factcheck import FactChecker
>>> checker = FactChecker.build(["my-docs/"], "my-index")            # doctest: +SKIP
>>> verdict = checker.check("Stargate funds will not be available")  # doctest: +SKIP
>>> verdict.label, verdict.confidence                                # doctest: +SKIP
('disputed', 0.93)
"""

from __future__ import annotations

__version__ = "0.1.0"

from .embed import Embedder, EmbedderConfig
from .errors import FactcheckError
from .index import BuildReport, EvidenceIndex, IndexConfig, SearchFilter, build_index, open_index
from .ingest import Document, Passage, read_documents, split_passages
from .labels import DISPUTED, LABELS, SUPPORTED, UNVERIFIED, normalize_label
from .pipeline import CheckConfig, Evidence, FactChecker, Verdict, aggregate
from .verify import Verifier, VerifierConfig, load_verifier

__all__ = [
    "BuildReport",
    "CheckConfig",
    "DISPUTED",
    "Document",
    "Embedder",
    "EmbedderConfig",
    "Evidence",
    "EvidenceIndex",
    "FactChecker",
    "FactcheckError",
    "IndexConfig",
    "LABELS",
    "Passage",
    "SUPPORTED",
    "SearchFilter",
    "UNVERIFIED",
    "Verdict",
    "Verifier",
    "VerifierConfig",
    "__version__",
    "aggregate",
    "build_index",
    "load_verifier",
    "normalize_label",
    "open_index",
    "read_documents",
    "split_passages",
]
