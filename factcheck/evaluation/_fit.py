"""Fitting the aggregation of a verifier on dev claims: its thresholds (:class:`CheckConfig`) by grid search over
replays of the scored claims, and the isotonic curves that map its raw score to a calibrated confidence."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..labels import LABELS
from ..pipeline import AGGREGATION_FILE, CheckConfig, aggregate
from ._metrics import metrics
from ._scoring import Scored


def oracle_config(config: CheckConfig, *, gate: bool) -> CheckConfig:
    """``config`` for judging a claim's gold evidence: every given passage, through the similarity gate or not."""
    return replace(config, top_k=10**6, min_similarity=config.min_similarity if gate else float("-inf"))


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

GRID: dict[str, list] = {
    "top_k": [3, 5],
    "min_similarity": [0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75],
    "support_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "contradict_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "conflict_margin": [1.0, 0.2, 0.1, 0.0],
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
