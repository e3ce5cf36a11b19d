"""Retrieve stage: the passages nearest to each claim by embedding similarity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .embed import Embedder
from .ingest import Passage

if TYPE_CHECKING:
    from .index import EvidenceIndex, SearchFilter
    from .milvus_index import MilvusIndex


@dataclass(frozen=True)
class Hit:
    passage: Passage
    #: cosine similarity between the claim and the passage (vectors are normalized).
    similarity: float
    row: int


class Retriever:
    def __init__(self, index: EvidenceIndex | MilvusIndex, embedder: Embedder, where: SearchFilter | None = None) -> None:
        self.index = index
        self.embedder = embedder
        #: only passages matching this filter (source, language, date) are retrieved.
        self.where = where

    def search(self, claims: Sequence[str], k: int) -> list[list[Hit]]:
        """Top-``k`` passages for each claim; all claims are embedded and searched in one batch."""
        if not claims:
            return []
        found = self.index.search_passages(self.embedder.encode_queries(list(claims)), k, self.where)
        return [[Hit(passage, similarity, row) for row, similarity, passage in hits] for hits in found]
