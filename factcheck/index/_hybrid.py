"""Retrieval by mode: dense (embedding similarity), lexical (BM25) or hybrid (both, fused by reciprocal rank).

Whatever finds a passage, its hit carries the claim's cosine similarity to it, so that the relevance gate of the
aggregation reads the same measure in every mode: a passage BM25 finds by one rare name still has to be about the
claim to be judged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._types import Hit
from ..errors import FactcheckError
from ._base import EvidenceStore, SearchFilter

DENSE, LEXICAL, HYBRID = "dense", "lexical", "hybrid"
#: the modes a search can run in.
RETRIEVAL_MODES = (DENSE, LEXICAL, HYBRID)
#: the mode a search runs in when none is named. Hybrid finds more of the right passages (SciFact dev nDCG@10
#: 0.816 -> 0.855, Climate-FEVER 0.331 -> 0.395) but, judged by today's verifier, its claims come out right a little
#: less often (end-to-end macro-F1 0.546 -> 0.542 and 0.486 -> 0.473; eval/RESULTS.md): more passages of the right
#: documents give its noisy contradictions more chances. Dense stays the default until the verdicts gain from it.
DEFAULT_RETRIEVAL = DENSE
#: candidates each half proposes before fusion (at least the number of hits asked for).
CANDIDATES = 50
#: the constant of reciprocal rank fusion (Cormack et al. 2009): a passage's score is the sum over both rankings of
#: 1 / (RRF_K + rank). Not fitted: 10, 30 and 100 move SciFact dev nDCG@10 by under 0.01.
RRF_K = 60


def has_lexical(index: EvidenceStore) -> bool:
    """Whether an index was built with a lexical half (``factcheck index`` builds one unless told ``dense``)."""
    return bool(index.manifest.get("lexical"))


def resolve_mode(index: EvidenceStore, requested: str | None) -> str:
    """The mode to search ``index`` in: ``requested`` (None or ``auto``: ``DEFAULT_RETRIEVAL``), refused when it
    needs a lexical half the index lacks."""
    if requested in (None, "auto"):
        return DEFAULT_RETRIEVAL
    if requested not in RETRIEVAL_MODES:
        raise FactcheckError(f"unknown retrieval mode {requested!r}: use one of {', '.join(RETRIEVAL_MODES)}")
    if requested != DENSE and not has_lexical(index):
        why = "Milvus indexes are dense only" if index.backend == "milvus" else "built dense only, or before lexical search"
        raise FactcheckError(
            f"--retrieval {requested}: the index {index.location} has no lexical half ({why}): use --retrieval dense, or rebuild it with factcheck index"
        )
    return requested


def fuse(rankings: Sequence[Sequence[int]], k: int) -> list[int]:
    """Reciprocal rank fusion of row rankings (each best first): the top ``k`` rows."""
    score: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking):
            score[row] = score.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(score, key=lambda r: -score[r])[:k]


def retrieve(
    index: EvidenceStore,
    vectors: np.ndarray,
    texts: Sequence[str],
    langs: Sequence[str],
    k: int,
    where: SearchFilter | None = None,
    mode: str = HYBRID,
) -> list[list[Hit]]:
    """The top ``k`` passages for each claim (its vector and its text), best first, in ``mode``."""
    if mode == DENSE:
        return index.search(vectors, k, where)
    lexical = index.lexical_search(texts, langs, max(k, CANDIDATES), where)
    dense = index.search(vectors, max(k, CANDIDATES), where) if mode == HYBRID else [[] for _ in texts]
    rows = [fuse([[h.row for h in d], [r for r, _ in lx]], k) if mode == HYBRID else [r for r, _ in lx][:k] for d, lx in zip(dense, lexical)]
    known = [{h.row: h for h in d} for d in dense]  # a dense hit carries its own claim's similarity
    missing = sorted({r for rs, kn in zip(rows, known) for r in rs if r not in kn})
    found = dict(zip(missing, zip(index.passages(missing), index.vectors(missing)))) if missing else {}
    out = []
    for vector, rs, kn in zip(vectors, rows, known):
        hits = []
        for r in rs:
            if r in kn:
                hits.append(kn[r])
            else:
                passage, v = found[r]
                hits.append(Hit(passage, float(np.dot(vector, v)), r))
        out.append(hits)
    return out
