"""Retrieve stage: the passages nearest to each claim by embedding similarity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .embed import Embedder
from .index import EvidenceIndex
from .ingest import Passage


@dataclass(frozen=True)
class Hit:
    passage: Passage
    #: cosine similarity between the claim and the passage (vectors are normalized).
    similarity: float
    row: int


class Retriever:
    def __init__(self, index: EvidenceIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def search(self, claims: Sequence[str], k: int) -> list[list[Hit]]:
        """Top-``k`` passages for each claim; all claims are embedded and searched in one batch."""
        if not claims:
            return []
        scores, ids = self.index.search(self.embedder.encode_queries(list(claims)), k)
        wanted = sorted({int(i) for row in ids for i in row if i >= 0})
        passages = dict(zip(wanted, self.index.passages(wanted)))
        return [
            [Hit(passages[int(i)], float(s), int(i)) for s, i in zip(row_scores, row_ids) if i >= 0]
            for row_scores, row_ids in zip(scores, ids)
        ]
