"""Metrics of a benchmark run: claim labels, retrieval, evidence, calibration, and the baselines they are read
against."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from .._types import Claim
from ..labels import CONTRADICTION, DISPUTED, ENTAILMENT, LABELS, STANCE_TO_LABEL, STANCES, SUPPORTED, UNVERIFIED
from ..pipeline import CheckConfig, aggregate
from ..verify import Verifier, VerifierConfig, calibration
from ._scoring import Scored

try:
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

__all__ = ["calibration", "claim_only_baseline", "evidence_label_f1", "metrics", "peak_rss_mib", "retrieval_metrics", "retrieval_only_baseline"]


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix (rows gold, columns predicted)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(LABELS)
    p, r, f, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        # macro over the labels the gold set has (FEVER-Lite and COVID-Fact have no "unverified" claims)
        "macro_f1": round(float(f1_score(gold, predicted, labels=[x for x in labels if x in set(gold)], average="macro", zero_division=0)), 4),
        "per_class": {
            lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(support[i])}
            for i, lab in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(gold, predicted, labels=labels).tolist()},
    }


def retrieval_metrics(rankings: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], ks: Sequence[int] = (1, 5, 10)) -> dict:
    """Document-level recall@k, MRR@10 and nDCG@10 (binary relevance) over the claims that have gold ids.

    ``rankings`` are distinct document ids in retrieval order; recall@k is the share of a claim's gold ids
    among its first k documents, averaged over claims (the BEIR definition)."""
    rows = [(list(r), set(g)) for r, g in zip(rankings, gold) if g]
    if not rows:
        return {}
    discount = 1.0 / np.log2(np.arange(2, 12))  # ranks 1..10
    recall = {k: np.mean([len(set(r[:k]) & g) / len(g) for r, g in rows]) for k in sorted(set(ks))}
    rr = [next((1.0 / rank for rank, d in enumerate(r[:10], 1) if d in g), 0.0) for r, g in rows]
    ndcg = [sum(discount[i] for i, d in enumerate(r[:10]) if d in g) / discount[: min(len(g), 10)].sum() for r, g in rows]
    return {
        "claims": len(rows),
        **{f"recall@{k}": round(float(v), 4) for k, v in recall.items()},
        "mrr@10": round(float(np.mean(rr)), 4),
        "ndcg@10": round(float(np.mean(ndcg)), 4),
    }


def evidence_label_f1(scored: Sequence[Scored], config: CheckConfig) -> dict:
    """SciFact's abstract-level label-only precision, recall and F1 (Wadden et al. 2020), for any end-to-end
    run with gold document ids.

    Predicted: the documents of the passages that decided a claim's label, each with the stance of its most
    decisive passage (supported or disputed). Gold: each gold document with its label (the claim's label unless
    the benchmark labels documents). A prediction is correct when the document is gold for the claim and the
    labels match; precision = correct / predicted, recall = correct / gold."""
    ent, con = STANCES.index(ENTAILMENT), STANCES.index(CONTRADICTION)
    retrieved = relevant = correct = 0
    for s in scored:
        gold = {d: s.claim.evidence_labels.get(d, s.claim.label) for d in s.claim.evidence_ids}
        gold = {d: lab for d, lab in gold.items() if lab != UNVERIFIED}
        _, _, decisive = aggregate(s.probabilities[: config.top_k], s.similarities[: config.top_k], config)
        predicted: dict[str, str] = {}
        for i in decisive:
            p = s.probabilities[i]
            predicted.setdefault(s.ids[i], SUPPORTED if p[ent] >= p[con] else DISPUTED)
        retrieved += len(predicted)
        relevant += len(gold)
        correct += sum(gold.get(d) == lab for d, lab in predicted.items())
    precision = correct / retrieved if retrieved else 0.0
    recall = correct / relevant if relevant else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "predicted": retrieved, "gold": relevant, "correct": correct}


def retrieval_only_baseline(scored: Sequence[Scored], threshold: float, k: int) -> list[str]:
    """No verifier: supported when the most similar of the first k passages reaches ``threshold``, else unverified."""
    return [SUPPORTED if max(s.similarities[:k], default=-1.0) >= threshold else UNVERIFIED for s in scored]


def claim_only_baseline(model: str, claims: Sequence[Claim]) -> list[str]:
    """Labels from a claim-only model (a CrossEncoder trained with the evidence blanked, as
    ``eval/sweep_verifier.py --only claim-only-bs16`` trains it): it reads ("", claim) as written."""
    probs = Verifier(VerifierConfig(model=model, positive_claims=False)).predict([("", c.claim) for c in claims])
    return [STANCE_TO_LABEL[STANCES[int(i)]] for i in probs.argmax(axis=1)]


def peak_rss_mib() -> float | None:
    """This process's peak resident memory so far (None where ``resource`` does not exist)."""
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
