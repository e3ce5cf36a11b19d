"""Scoring benchmark claims through the pipeline's one scoring path (:meth:`FactChecker.judge`), keeping what the
aggregation needs to be replayed with any config (fitting) and the judgements that make the verdicts (runs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .._types import Claim, Progress
from ..errors import FactcheckError
from ..pipeline import FactChecker, Judgement

#: passages searched per claim for the document ranking behind recall@k, MRR@10 and nDCG@10.
RANKING_PASSAGES = 100
#: documents kept in that ranking.
RANKING_DOCUMENTS = 10


@dataclass
class Scored:
    """A claim's passages as the aggregation sees them: stance probabilities and similarities (every passage
    judged, so that any gate can be replayed)."""

    claim: Claim
    probabilities: list[list[float]]
    similarities: list[float]
    texts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    #: distinct document ids in retrieval order (deeper than the verified top-k), for retrieval metrics.
    ranking: list[str] = field(default_factory=list)
    #: the pipeline's judgement of the claim, from which :meth:`FactChecker.verdict` makes its verdict.
    judgement: Judgement | None = None


def _scored(claim: Claim, judged: Judgement) -> Scored:
    return Scored(
        claim,
        [p for p in judged.probabilities if p is not None],
        [h.similarity for h in judged.hits],
        [h.passage.text for h in judged.hits],
        [h.passage.doc_id for h in judged.hits],
        judged.ranking[:RANKING_DOCUMENTS],
        judged,
    )


def score_end_to_end(
    checker: FactChecker,
    claims: Sequence[Claim],
    batch_size: int = 64,
    *,
    ranking: bool = False,
    progress: Progress | None = None,
) -> list[Scored]:
    """Retrieve and verify every claim once, as ``factcheck check`` does, every top-k passage judged; the
    aggregation can then be replayed with any config. With ``ranking``, each claim also gets its first
    ``RANKING_DOCUMENTS`` distinct documents among the ``RANKING_PASSAGES`` nearest passages."""
    if checker.index is None:
        raise FactcheckError("end-to-end scoring needs a checker with an index")
    out: list[Scored] = []
    for start in range(0, len(claims), batch_size):
        batch = list(claims[start : start + batch_size])
        judged = checker.judge([c.claim for c in batch], judge_all=True, depth=RANKING_PASSAGES if ranking else 0)
        out += [_scored(c, j) for c, j in zip(batch, judged)]
        if progress:
            progress("scoring claims", len(out), len(claims))
    return out


def score_oracle(checker: FactChecker, claims: Sequence[Claim], batch_size: int = 64, *, progress: Progress | None = None) -> list[Scored]:
    """Verify each claim against its own gold evidence (no retrieval). The similarities are kept: the
    aggregation's gate applies to them unless the run turns it off (``RunConfig.gate_oracle_evidence``)."""
    out: list[Scored] = []
    for start in range(0, len(claims), batch_size):
        batch = list(claims[start : start + batch_size])
        judged = checker.judge_evidence([c.claim for c in batch], [c.evidence for c in batch])
        out += [_scored(c, j) for c, j in zip(batch, judged)]
        if progress:
            progress("scoring claims", len(out), len(claims))
    return out
