"""Calibration of the verifier's probabilities: softmax temperatures fitted on labelled pairs, and the expected
calibration error they are judged by."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

#: the file beside a verifier's weights that holds its fitted temperatures (read by :class:`Verifier`).
CALIBRATION_FILE = "factcheck_calibration.json"
#: fewer pairs judged through their positive form than this share the other temperature (too few to fit their own).
MIN_POSITIVE_FORM_PAIRS = 30


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibration(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> dict:
    """Expected calibration error of a confidence against correctness, with the equal-width bins
    (``(lo, hi]``) a reliability diagram draws."""
    conf = np.asarray(confidence, dtype=float)
    right = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.digitize(conf, edges[1:-1], right=True)
    table, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        row = {"lo": round(float(edges[b]), 4), "hi": round(float(edges[b + 1]), 4), "count": n, "accuracy": None, "confidence": None}
        if n:
            acc, mean_conf = float(right[mask].mean()), float(conf[mask].mean())
            ece += n / len(conf) * abs(acc - mean_conf)
            row.update(accuracy=round(acc, 4), confidence=round(mean_conf, 4))
        table.append(row)
    return {"ece": round(float(ece), 4), "bins": table}


def expected_calibration_error(probabilities: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """ECE of the top-label confidence, equal-width bins."""
    return float(calibration(probabilities.max(axis=1), probabilities.argmax(axis=1) == gold, bins)["ece"])


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature that minimizes the negative log-likelihood of the gold stances."""
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(gold)), gold].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def calibrate(model_dir: str | Path, logits: np.ndarray, gold: np.ndarray, swapped: np.ndarray, fitted_on: Sequence[str]) -> dict:
    """Fit a verifier's softmax temperatures on labelled pairs and write them beside it (``factcheck_calibration.json``,
    which :class:`~factcheck.verify.Verifier` applies): one for the claims judged as written, one for the negated
    claims judged through their positive form (``swapped``; ``VerifierConfig.positive_claims``), another population
    of inputs, where there are enough of them. Returns what was written."""
    written = ~swapped if (~swapped).any() else swapped
    temperature = fit_temperature(logits[written], gold[written])
    positive = fit_temperature(logits[swapped], gold[swapped]) if swapped.sum() >= MIN_POSITIVE_FORM_PAIRS else temperature
    record = {
        "temperature": round(temperature, 4),
        "temperature_positive_form": round(positive, 4),
        "pairs": {"as_written": int((~swapped).sum()), "positive_form": int(swapped.sum())},
        "fitted_on": list(fitted_on),
        "date": date.today().isoformat(),
    }
    (Path(model_dir) / CALIBRATION_FILE).write_text(json.dumps(record, indent=2) + "\n")
    return record
