"""Evaluation stage: run labelled claims through the pipeline, score them, and fit the aggregation.

A benchmark is a list of :class:`Claim` (text, gold label, optional oracle evidence) and, for end-to-end runs,
a corpus to index. The public sets are read from the files laid out as in ``shared/data``.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .labels import DISPUTED, LABELS, UNVERIFIED, normalize_label
from .pipeline import AGGREGATION_FILE, CheckConfig, aggregate
from .recipes import RecipeConfig, climate_fever_claims, climate_fever_is_heldout, scifact_claims, scifact_corpus

if TYPE_CHECKING:
    import numpy as np

    from .pipeline import FactChecker


@dataclass
class Claim:
    id: str
    claim: str
    label: str
    evidence: list[str] = field(default_factory=list)
    evidence_ids: list[str] = field(default_factory=list)


@dataclass
class Scored:
    """A claim's retrieved passages as the aggregation sees them: stance probabilities and similarities."""

    claim: Claim
    probabilities: list[list[float]]
    similarities: list[float]


# ---------------------------------------------------------------- benchmarks


def scifact_dev(data_dir: Path) -> tuple[list[Claim], Path]:
    """SciFact dev claims (SUPPORT / CONTRADICT / NEI) and the path of its 5,183-abstract corpus."""
    corpus = scifact_corpus(data_dir)
    claims = []
    for row in scifact_claims(data_dir, "dev"):
        labels = {ev["label"] for sets in row["evidence"].values() for ev in sets}
        label = normalize_label(labels.pop()) if len(labels) == 1 else (UNVERIFIED if not labels else DISPUTED)
        evidence = [
            " ".join(corpus[int(doc)]["abstract"][i] for i in ev["sentences"]) for doc, sets in row["evidence"].items() for ev in sets
        ]
        claims.append(Claim(str(row["id"]), row["claim"], label, evidence, [str(d) for d in row["evidence"]]))
    return claims, data_dir / "scifact" / "corpus.jsonl.gz"


def climate_fever_heldout(data_dir: Path, config: RecipeConfig | None = None) -> tuple[list[Claim], list[dict]]:
    """Held-out Climate-FEVER claims and the closed corpus of all its evidence sentences."""
    config = config or RecipeConfig()
    rows = climate_fever_claims(data_dir)
    claims = [
        Claim(
            r["claim_id"],
            r["claim"],
            normalize_label(r["claim_label"]) if r["claim_label"] != "DISPUTED" else DISPUTED,
            [e["evidence"] for e in r["evidences"] if e["evidence_label"] != "NOT_ENOUGH_INFO"],
            [e["evidence_id"] for e in r["evidences"] if e["evidence_label"] != "NOT_ENOUGH_INFO"],
        )
        for r in rows
        if climate_fever_is_heldout(r, config)
    ]
    corpus = {e["evidence_id"]: {"id": e["evidence_id"], "title": e["article"], "text": e["evidence"]} for r in rows for e in r["evidences"]}
    return claims, list(corpus.values())


# ---------------------------------------------------------------- scoring


def score_end_to_end(checker: FactChecker, claims: Sequence[Claim], batch_size: int = 64) -> list[Scored]:
    """Retrieve and verify every claim once; the aggregation can then be replayed with any config."""
    out: list[Scored] = []
    for start in range(0, len(claims), batch_size):
        batch = list(claims[start : start + batch_size])
        hits = checker.retriever.search([c.claim for c in batch], checker.config.top_k)
        pairs = [(h.passage.text, c.claim) for c, row in zip(batch, hits) for h in row]
        probs = checker.verifier.predict(pairs).tolist()
        cursor = 0
        for c, row in zip(batch, hits):
            out.append(Scored(c, probs[cursor : cursor + len(row)], [h.similarity for h in row]))
            cursor += len(row)
    return out


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix (rows gold, columns predicted)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(LABELS)
    p, r, f, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "per_class": {
            lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(support[i])}
            for i, lab in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(gold, predicted, labels=labels).tolist()},
    }


def replay(scored: Sequence[Scored], config: CheckConfig) -> list[str]:
    return [label for label, _ in replay_with_scores(scored, config)]


def replay_with_scores(scored: Sequence[Scored], config: CheckConfig) -> list[tuple[str, float]]:
    k = config.top_k
    out = []
    for s in scored:
        label, raw, _ = aggregate(s.probabilities[:k], s.similarities[:k], config)
        out.append((label, raw))
    return out


def fit_confidence_curves(scored: Sequence[Scored], config: CheckConfig) -> dict[str, dict[str, list[float]]]:
    """Per predicted label, an isotonic map from the raw aggregation score to P(label is right)."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression

    predictions = replay_with_scores(scored, config)
    curves = {}
    for label in LABELS:
        rows = [(raw, float(s.claim.label == label)) for s, (pred, raw) in zip(scored, predictions) if pred == label]
        if len(rows) < 10:
            continue
        x, y = np.array(rows).T
        iso = IsotonicRegression(y_min=0.01, y_max=0.99, out_of_bounds="clip").fit(x, y)
        curves[label] = {"x": [round(float(v), 4) for v in iso.X_thresholds_], "y": [round(float(v), 4) for v in iso.y_thresholds_]}
    return curves


# ---------------------------------------------------------------- fitting the aggregation

GRID = {
    "top_k": [3, 5],
    "min_similarity": [0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75],
    "support_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "contradict_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
}


def fit_aggregation(dev: dict[str, Sequence[Scored]], grid: dict[str, list] | None = None) -> tuple[CheckConfig, dict]:
    """The CheckConfig that maximizes the mean macro-F1 over the dev sets (ties: the simpler, lower top_k)."""
    grid = grid or GRID
    best: tuple[float, CheckConfig] | None = None
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        config = CheckConfig(**dict(zip(keys, values)))
        score = sum(metrics([s.claim.label for s in rows], replay(rows, config))["macro_f1"] for rows in dev.values()) / len(dev)
        if best is None or score > best[0] + 1e-9:
            best = (score, config)
    assert best is not None
    report = {name: metrics([s.claim.label for s in rows], replay(rows, best[1])) for name, rows in dev.items()}
    return best[1], {"mean_macro_f1": round(best[0], 4), "per_set": report}


def write_aggregation(verifier_dir: Path, config: CheckConfig, curves: dict, report: dict, provenance: dict) -> Path:
    path = Path(verifier_dir) / AGGREGATION_FILE
    payload = {
        "config": asdict(config),
        "confidence_curves": curves,
        "fitted_on": provenance,
        "dev_report": report,
        "date": datetime.now(timezone.utc).date().isoformat(),
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def sample(claims: list[Claim], n: int | None, seed: int = 13) -> list[Claim]:
    if n is None or n >= len(claims):
        return claims
    rng = random.Random(seed)
    return sorted(rng.sample(claims, n), key=lambda c: c.id)



# ---------------------------------------------------------------- verifier calibration


def expected_calibration_error(probabilities: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """ECE of the top-label confidence, equal-width bins."""
    import numpy as np

    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == gold
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature that minimizes the negative log-likelihood of the gold stances."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(gold)), gold].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)
